/** What a file in a policy folder is, by its name: every reader of such a folder (the folder, git, the API, `medic check`) tells them apart the same way. */

/** `*.yaml` and `*.yml`. */
export const isYaml = (name: string): boolean => /\.ya?ml$/.test(name);

/** `*.test.yaml` and `*.test.yml`: test cases, kept beside the policies. */
export const isCaseFile = (name: string): boolean => /\.test\.ya?ml$/.test(name);

/** A YAML file that is not a case file: policies (and incident classes). */
export const isPolicyFile = (name: string): boolean => isYaml(name) && !isCaseFile(name);
