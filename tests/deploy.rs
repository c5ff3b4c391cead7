//! The Kubernetes example under `deploy/k8s/`, checked offline as a user's cluster would take
//! it: both manifests pass `kubernetes-validate --strict` (PyPI, installed by `.ci/run` into the
//! SDK cache), and the Indexed Job's pods, run as the kubelet would run them, ask for shards
//! 1/N..N/N once each and write where the merge Job looks.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn venv_bin(name: &str) -> PathBuf {
    std::env::var_os("PAYDRILL_SDK_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".cache/sdk"))
        .join("venv/bin")
        .join(name)
}

/// The validator, or why it cannot run (a failure under `PAYDRILL_REQUIRE_SDKS=1`).
fn validator() -> Option<PathBuf> {
    let bin = venv_bin("kubernetes-validate");
    if bin.is_file() {
        return Some(bin);
    }
    let why = format!("{} is not installed: run .ci/install-sdks", bin.display());
    assert!(std::env::var("PAYDRILL_REQUIRE_SDKS").as_deref() != Ok("1"), "{why}");
    eprintln!("SKIPPED: {why}");
    None
}

const MANIFESTS: [&str; 2] = ["deploy/k8s/load-shards.yaml", "deploy/k8s/merge.yaml"];

#[test]
fn the_manifests_pass_kubernetes_validate_strict() {
    let Some(validate) = validator() else { return };
    let out = Command::new(&validate)
        .args(["--strict", "--kubernetes-version", "1.30.0"])
        .args(MANIFESTS.iter().map(|m| root().join(m)))
        .output()
        .expect("kubernetes-validate runs");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    for kind in ["persistentvolumeclaim/paydrill-results", "job/paydrill-load", "job/paydrill-merge"] {
        assert!(said.contains(&format!("passed for resource {kind}")), "{kind} was validated: {said}");
    }
    // The validator does refuse a broken manifest: a wrong type and a missing field.
    let broken = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(MANIFESTS[0])).unwrap();
    let bad = broken.path().join("bad.yaml");
    std::fs::write(&bad, text.replace("parallelism: 4", "parallelism: \"four\"")).unwrap();
    let refused = Command::new(&validate).args(["--strict", "-k", "1.30.0"]).arg(&bad).output().unwrap();
    assert!(!refused.status.success(), "a string parallelism must be refused");
}

/// What a container of `job` in `manifest` runs: its env, command and args, and the Job's
/// completions, read with the venv's PyYAML.
fn container(manifest: &str, job: &str) -> serde_json::Value {
    let script = r#"
import json, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "Job" and doc["metadata"]["name"] == sys.argv[2]:
        c = doc["spec"]["template"]["spec"]["containers"][0]
        print(json.dumps({"completions": doc["spec"].get("completions", 1),
                          "env": {e["name"]: e["value"] for e in c.get("env", [])},
                          "command": c["command"], "args": c["args"]}))
"#;
    let out =
        Command::new(venv_bin("python")).arg("-c").arg(script).arg(root().join(manifest)).arg(job).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn each_pod_of_the_indexed_job_runs_its_own_shard_where_the_merge_looks() {
    if validator().is_none() {
        return;
    }
    let shards = container(MANIFESTS[0], "paydrill-load");
    let merge = container(MANIFESTS[1], "paydrill-merge");
    let n = shards["completions"].as_u64().unwrap();
    // A stand-in `paydrill` on the PATH prints the arguments each pod would give it.
    let bin = tempfile::tempdir().unwrap();
    let stand_in = bin.path().join("paydrill");
    std::fs::write(&stand_in, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n").unwrap();
    std::fs::set_permissions(&stand_in, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let run = |c: &serde_json::Value, index: Option<u64>| -> Vec<String> {
        let argv: Vec<String> = c["command"]
            .as_array()
            .unwrap()
            .iter()
            .chain(c["args"].as_array().unwrap())
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).env("PATH", &path);
        for (k, v) in c["env"].as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        if let Some(i) = index {
            cmd.env("JOB_COMPLETION_INDEX", i.to_string());
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
    };
    let flag = |args: &[String], name: &str| -> String {
        let at = args.iter().position(|a| a == name).unwrap_or_else(|| panic!("{name} in {args:?}"));
        args[at + 1].clone()
    };
    let merged = run(&merge, None);
    assert_eq!(merged[0], "merge", "{merged:?}");
    let pattern = merged.last().unwrap().clone();
    let mut seen = Vec::new();
    for i in 0..n {
        let args = run(&shards, Some(i));
        assert_eq!(args[0], "load", "{args:?}");
        let (shard, out) = (flag(&args, "--shard"), flag(&args, "--out"));
        assert_eq!(shard, format!("{}/{n}", i + 1), "pod {i}");
        // The merge's folder pattern finds this pod's run (each --out gets a `latest` link).
        let found = pattern.split('*').collect::<Vec<_>>();
        let latest = format!("{out}/latest");
        assert!(
            found.len() == 2 && latest.starts_with(found[0]) && latest.ends_with(found[1]),
            "{latest} vs {pattern}"
        );
        seen.push(out);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, n, "every pod writes its own folder: {seen:?}");
    // The env the pods carry sets flags paydrill really has.
    let help = Command::new(env!("CARGO_BIN_EXE_paydrill")).args(["load", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for var in shards["env"].as_object().unwrap().keys().filter(|k| k.starts_with("PAYDRILL_")) {
        assert!(help.contains(&format!("env: {var}=")), "{var} is a paydrill load flag: {help}");
    }
}
