// Validates every Kubernetes manifest in a folder (default ../k8s) against the Kubernetes API's JSON schemas
// shipped by the kubernetes-models package, and checks that kustomization.yaml lists exactly those files.
// Prints one line per object; exits 1 when anything is invalid. Run: npm ci && node validate-k8s.mjs [dir]
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "k8s");
let failures = 0;
let objects = 0;
const fail = (message) => {
  failures++;
  console.log(`FAIL ${message}`);
};

const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
const resources = files.filter((f) => f !== "kustomization.yaml");
for (const file of resources) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
    if (doc.errors.length > 0) {
      fail(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    objects++;
    const { apiVersion, kind } = object;
    const name = `${file}: ${kind}/${object.metadata?.name}`;
    let Model;
    try {
      const module = await import(`kubernetes-models/${apiVersion}`);
      Model = module[kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      fail(`${name}: no schema for apiVersion ${apiVersion} kind ${kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`ok   ${name}`);
    } catch (error) {
      fail(`${name}: ${error.message}`);
    }
  }
}

if (files.includes("kustomization.yaml")) {
  const listed = parseAllDocuments(readFileSync(join(dir, "kustomization.yaml"), "utf8"))[0].toJS().resources ?? [];
  const missing = resources.filter((f) => !listed.includes(f));
  const unknown = listed.filter((f) => !resources.includes(f));
  if (missing.length + unknown.length > 0) {
    fail(`kustomization.yaml: not listed ${JSON.stringify(missing)}, listed but absent ${JSON.stringify(unknown)}`);
  } else {
    console.log(`ok   kustomization.yaml lists all ${resources.length} files`);
  }
}

if (objects === 0) fail(`no Kubernetes objects in ${dir}`);
console.log(`${objects} objects, ${failures} invalid`);
process.exit(failures === 0 ? 0 : 1);
