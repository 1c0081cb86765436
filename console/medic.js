// Medic's console in the browser: the live-connection notice, and charts drawn from data the
// server put in the page. Everything else works without this script.
(function () {
  'use strict';
  var lost = false;
  function status(hidden) {
    var el = document.getElementById('live-status');
    if (el) el.hidden = hidden;
  }
  document.addEventListener('htmx:sseError', function () {
    lost = true;
    status(false);
  });
  document.addEventListener('htmx:sseOpen', function () {
    status(true);
    // What changed while the connection was down was never announced: fetch every live region again.
    if (lost && window.htmx) window.htmx.trigger(document.body, 'medic:resync');
    lost = false;
  });

  var css = function (name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'; };

  // Charts: <div class="chart" data-chart="ID"> with <script type="application/json" id="ID">.
  // Times are epoch seconds; series values are epoch seconds too (finish times), or minutes.
  // htmx drops every <script> of a fragment it swaps in (scripts are off), data ones included:
  // their text is kept here from the response, parsed inertly, before the swap.
  var kept = {};
  document.addEventListener('htmx:beforeSwap', function (e) {
    var text = e.detail && e.detail.serverResponse;
    if (typeof text !== 'string' || text.indexOf('application/json') < 0) return;
    var doc = new DOMParser().parseFromString(text, 'text/html');
    var found = doc.querySelectorAll('script[type="application/json"][id]');
    for (var i = 0; i < found.length; i++) kept[found[i].id] = found[i].textContent;
  });
  function specOf(id) {
    var source = document.getElementById(id);
    var text = source ? source.textContent : kept[id];
    return text ? JSON.parse(text) : null;
  }
  // Times as the page's tables write them: 24-hour, in the console's zone.
  function formatter(zone, opts) {
    opts.hourCycle = 'h23';
    if (zone) opts.timeZone = zone;
    var f = new Intl.DateTimeFormat([], opts);
    return function (v) { return v == null ? '—' : f.format(new Date(v * 1000)); };
  }
  function clock(zone) {
    var f = formatter(zone, { hour: '2-digit', minute: '2-digit' });
    return function (u, v) { return f(v); };
  }
  // A short span gives several ticks within one minute (or day): only the first says it.
  function ticks(f) {
    return function (u, vals) {
      var prev = null;
      return vals.map(function (v) { var t = f(v); var shown = t === prev ? '' : t; prev = t; return shown; });
    };
  }
  function draw(el) {
    if (!window.uPlot || el.dataset.drawn) return;
    var spec = specOf(el.dataset.chart);
    if (!spec) return;
    var accent = css('--accent'), bad = css('--bad'), muted = css('--muted');
    var minutes = spec.value === 'minutes';
    var series = [{ value: spec.x === 'days' ? '{YYYY}-{MM}-{DD} {HH}:{mm}' : '{HH}:{mm}' }].concat(spec.series.map(function (s) {
      var color = s.role === 'deadline' ? bad : s.role === 'band' ? muted : accent;
      return { label: s.label, stroke: color, width: s.role === 'line' ? 2 : 1, dash: s.role === 'deadline' ? [6, 4] : undefined,
        points: { show: spec.points === true && s.role === 'line' }, spanGaps: false,
        value: minutes ? function (u, v) { return v == null ? '—' : v.toFixed(0) + ' min'; } : clock(spec.zone) };
    }));
    var bands = [];
    spec.series.forEach(function (s, i) { if (s.role === 'band' && s.to !== undefined) bands.push({ series: [i + 1, s.to + 1], fill: 'rgba(88,166,255,0.18)' }); });
    var grid = { stroke: 'rgba(128,128,128,0.15)' };
    var opts = {
      width: Math.max(280, el.clientWidth), height: el.classList.contains('big') ? 340 : 240, series: series, bands: bands,
      scales: { x: { time: true }, y: { time: !minutes } },
      axes: [{ stroke: muted, grid: grid, values: ticks(spec.x === 'days' ? formatter(spec.zone, { month: 'short', day: 'numeric' }) : formatter(spec.zone, { hour: '2-digit', minute: '2-digit' })) },
        { stroke: muted, grid: grid, size: 70,
          values: minutes ? function (u, vals) { return vals.map(function (v) { return v + ' min'; }); } : ticks(formatter(spec.zone, { hour: '2-digit', minute: '2-digit' })) }],
    };
    // Times on the axes in the zone the page's tables use (MEDIC_TIME_ZONE), not the browser's.
    if (spec.zone) opts.tzDate = function (ts) { return window.uPlot.tzDate(new Date(ts * 1000), spec.zone); };
    el.dataset.drawn = '1';
    el.uplot = new window.uPlot(opts, spec.data, el);
  }
  function drawAll(root) {
    var charts = (root || document).querySelectorAll('.chart[data-chart]');
    for (var i = 0; i < charts.length; i++) draw(charts[i]);
  }
  var resizing;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      var charts = document.querySelectorAll('.chart[data-drawn]');
      for (var i = 0; i < charts.length; i++) if (charts[i].uplot) charts[i].uplot.setSize({ width: Math.max(280, charts[i].clientWidth), height: charts[i].uplot.height });
    }, 150);
  });
  document.addEventListener('DOMContentLoaded', function () { drawAll(document); });
  document.addEventListener('htmx:afterSwap', function (e) { drawAll(e.target); });
})();
