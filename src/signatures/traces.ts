/**
 * Stack traces of Python, the JVM, JavaScript and Go, reduced to what identifies the failure:
 * exception type, message and the top application frames (library and runtime frames skipped).
 */
export type ReducedFailure =
  | {
      kind: 'stack';
      language: 'python' | 'java' | 'javascript' | 'go';
      exceptionType: string;
      message: string;
      /** Top application frames, innermost first, as `file:function`; at most five. */
      frames: string[];
      /** The deepest cause of a chained exception (Java's last `Caused by:`), when there is one. */
      rootCause?: { exceptionType: string; message: string };
    }
  | { kind: 'none' };

const LIBRARY = /site-packages|dist-packages|[\\/]lib[\\/]python\d|<frozen |node_modules|node:internal|^internal[\\/]|^(?:java|javax|jdk|sun|kotlin|scala)\.|[\\/]go[\\/]src[\\/]|^runtime[./]|^reflect\./;
const MAX_FRAMES = 5;

const appFrames = (frames: { file: string; fn: string }[]) =>
  frames.filter((f) => !LIBRARY.test(f.file) && !LIBRARY.test(f.fn)).slice(0, MAX_FRAMES).map((f) => `${f.file}:${f.fn}`);

function python(lines: string[]): ReducedFailure {
  const start = lines.findIndex((l) => l.startsWith('Traceback (most recent call last)'));
  if (start < 0) return { kind: 'none' };
  const frames: { file: string; fn: string }[] = [];
  let last: { exceptionType: string; message: string } | undefined;
  for (const line of lines.slice(start + 1)) {
    const f = /^\s+File "([^"]+)", line \d+, in (\S+)/.exec(line);
    if (f) frames.push({ file: f[1] ?? '', fn: f[2] ?? '' });
    const e = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Fault|[A-Z]\w+))(?::\s?(.*))?$/.exec(line);
    if (e && !line.startsWith(' ')) last = { exceptionType: e[1] ?? '', message: e[2] ?? '' };
  }
  if (!last) return { kind: 'none' };
  // Python prints the outermost call first: the innermost (most specific) frames are last.
  return { kind: 'stack', language: 'python', ...last, frames: appFrames(frames.reverse()) };
}

const JAVA_EXCEPTION = /^(?:Exception in thread "[^"]*" )?(?:Caused by: )?([a-zA-Z_$][\w$]*(?:\.[\w$]+)+(?:Exception|Error|Throwable|Failure)[\w$]*)(?::\s?(.*))?$/;

function java(lines: string[]): ReducedFailure {
  const first = lines.findIndex((l) => JAVA_EXCEPTION.test(l.trim()) && /^\s+at [\w$.<>]+\(/.test(lines[lines.indexOf(l) + 1] ?? ''));
  if (first < 0) return { kind: 'none' };
  const head = JAVA_EXCEPTION.exec(lines[first]?.trim() ?? '');
  const frames: { file: string; fn: string }[] = [];
  let root: { exceptionType: string; message: string } | undefined;
  for (const line of lines.slice(first + 1)) {
    const f = /^\s+at ([\w$.<>]+)\.([\w$<>]+)\(([^)]*)\)/.exec(line);
    if (f && !root) frames.push({ file: f[1] ?? '', fn: f[2] ?? '' });
    const c = line.startsWith('Caused by: ') ? JAVA_EXCEPTION.exec(line.trim()) : null;
    if (c) root = { exceptionType: c[1] ?? '', message: c[2] ?? '' };
  }
  return {
    kind: 'stack', language: 'java', exceptionType: head?.[1] ?? '', message: head?.[2] ?? '', frames: appFrames(frames),
    ...(root ? { rootCause: root } : {}),
  };
}

function javascript(lines: string[]): ReducedFailure {
  const at = lines.findIndex((l, i) => /^\s+at .+:\d+:\d+\)?$/.test(l) && i > 0);
  if (at < 1) return { kind: 'none' };
  const head = /^(?:Uncaught )?([A-Z]\w*(?:Error|Exception))(?::\s?(.*))?$/.exec(lines[at - 1]?.trim() ?? '');
  if (!head) return { kind: 'none' };
  const frames = lines.slice(at).flatMap((l) => {
    const f = /^\s+at (?:(.+?) \()?(.+?):\d+:\d+\)?$/.exec(l);
    return f ? [{ file: f[2] ?? '', fn: f[1] ?? '<anonymous>' }] : [];
  });
  return { kind: 'stack', language: 'javascript', exceptionType: head[1] ?? '', message: head[2] ?? '', frames: appFrames(frames) };
}

function go(lines: string[]): ReducedFailure {
  const p = lines.findIndex((l) => l.startsWith('panic: '));
  if (p < 0 || !lines.some((l) => /^goroutine \d+ \[/.test(l))) return { kind: 'none' };
  const message = (lines[p] ?? '').slice('panic: '.length);
  const typed = /^(runtime error|[\w.*]+Error)[:]?\s*(.*)$/.exec(message);
  const frames: { file: string; fn: string }[] = [];
  lines.forEach((l, i) => {
    const loc = /^\t(\S+\.go):\d+/.exec(l);
    const fn = lines[i - 1]?.replace(/\([^()]*\)$/, '') ?? ''; // drop the argument list only
    if (loc) frames.push({ file: loc[1] ?? '', fn });
  });
  return {
    kind: 'stack', language: 'go', exceptionType: typed ? `panic: ${typed[1]}` : 'panic', message: typed ? typed[2] ?? '' : message,
    frames: appFrames(frames),
  };
}

/** Finds a stack trace in `text` and reduces it, or says there is none. */
export function reduceFailure(text: string): ReducedFailure {
  const lines = text.split(/\r?\n/);
  for (const parse of [python, java, javascript, go]) {
    const r = parse(lines);
    if (r.kind === 'stack') return r;
  }
  return { kind: 'none' };
}
