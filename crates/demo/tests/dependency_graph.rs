//! The workspace's dependency graph, read from `cargo metadata`: no product
//! crate reaches the fake providers (`vica-fakes`, axum and hyper servers)
//! except through the demo (`vica-demo`), `vica-core` and `vica-sync` not at
//! all, and no dependency cycle exists among the workspace's crates,
//! dev-dependencies and build-dependencies included (a cycle through a
//! dev-dependency builds, but it ties a crate's tests to a crate built on it,
//! and then the two cannot be changed or tested apart).
//!
//! `cargo test -p vica-demo --test dependency_graph` (it runs
//! `cargo metadata --no-deps --offline`, a fraction of a second).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

const FAKES: &str = "vica-fakes";
const DEMO: &str = "vica-demo";
/// Crates that must not reach the fakes even through the demo.
const NO_DEMO: [&str; 2] = ["vica-core", "vica-sync"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Dev,
    Build,
}

/// What ends up in a build of the crate: its normal and build dependencies.
const PRODUCT: [Kind; 2] = [Kind::Normal, Kind::Build];
const ALL: [Kind; 3] = [Kind::Normal, Kind::Dev, Kind::Build];

/// Each workspace crate and the workspace crates it depends on, with how.
type Graph = BTreeMap<String, Vec<(String, Kind)>>;

/// The graph of this workspace.
fn workspace() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    graph_of(&serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON"))
}

/// The graph among the packages of a `cargo metadata --no-deps` answer
/// (dependencies outside them left out).
fn graph_of(metadata: &Value) -> Graph {
    let packages = metadata["packages"].as_array().expect("packages");
    let names: BTreeSet<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("a package name"))
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter_map(|d| {
                    let name = d["name"].as_str().expect("a dependency name");
                    let kind = match d["kind"].as_str() {
                        Some("dev") => Kind::Dev,
                        Some("build") => Kind::Build,
                        _ => Kind::Normal,
                    };
                    names.contains(name).then(|| (name.to_owned(), kind))
                })
                .collect();
            (p["name"].as_str().expect("a package name").to_owned(), deps)
        })
        .collect()
}

/// A cycle through edges of `kinds`, as the crates along it (the first
/// repeated at the end), if there is one.
fn cycle(graph: &Graph, kinds: &[Kind]) -> Option<Vec<String>> {
    fn visit<'g>(
        graph: &'g Graph,
        node: &'g str,
        kinds: &[Kind],
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut found: Vec<String> = path[at..].iter().map(|n| (*n).to_owned()).collect();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for (dep, kind) in graph.get(node).into_iter().flatten() {
            if kinds.contains(kind)
                && let Some(found) = visit(graph, dep, kinds, path, done)
            {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(graph, start, kinds, &mut Vec::new(), &mut done))
}

/// A path from `from` to `to` through edges of `kinds` that does not pass
/// through `avoiding`, if there is one.
fn path(
    graph: &Graph,
    from: &str,
    to: &str,
    avoiding: &[&str],
    kinds: &[Kind],
) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        if node == to {
            let mut path = vec![to.to_owned()];
            let mut at = to;
            while let Some(prev) = came_from.get(at) {
                path.push((*prev).to_owned());
                at = prev;
            }
            path.reverse();
            return Some(path);
        }
        for (dep, kind) in graph.get(node).into_iter().flatten() {
            if kinds.contains(kind)
                && !avoiding.contains(&dep.as_str())
                && dep != from
                && !came_from.contains_key(dep.as_str())
            {
                came_from.insert(dep.as_str(), node);
                queue.push_back(dep.as_str());
            }
        }
    }
    None
}

/// What is wrong with `graph`: each cycle or forbidden path, in words.
fn violations(graph: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(c) = cycle(graph, &ALL) {
        found.push(format!("dependency cycle: {}", c.join(" -> ")));
    }
    for krate in graph.keys().filter(|k| *k != FAKES && *k != DEMO) {
        let strict = NO_DEMO.contains(&krate.as_str());
        let avoiding: &[&str] = if strict { &[] } else { &[DEMO] };
        for to in [FAKES, DEMO].into_iter().take(if strict { 2 } else { 1 }) {
            if let Some(p) = path(graph, krate, to, avoiding, &PRODUCT) {
                found.push(format!("{krate} builds with {to}: {}", p.join(" -> ")));
            }
        }
    }
    found
}

#[test]
fn the_product_reaches_the_fakes_only_through_the_demo_and_nothing_is_circular() {
    let graph = workspace();
    for name in [
        "vica-core",
        "vica-sync",
        FAKES,
        DEMO,
        "vica-cli",
        "vica-app",
    ] {
        assert!(graph.contains_key(name), "{name} is not a workspace crate");
    }
    assert_eq!(violations(&graph), Vec::<String>::new());
    // The demo still goes through the fakes, so the check above is about
    // something real.
    assert!(path(&graph, "vica-cli", FAKES, &[], &PRODUCT).is_some());
}

/// A dependency as `cargo metadata` names it: (package, kind: None, "dev" or "build").
type Dep<'a> = (&'a str, Option<&'a str>);

/// A `cargo metadata --no-deps` answer for `packages`: (name, its dependencies).
fn metadata(packages: &[(&str, &[Dep])]) -> Value {
    let packages: Vec<Value> = packages
        .iter()
        .map(|(name, deps)| {
            let deps: Vec<Value> = deps
                .iter()
                .map(|(dep, kind)| json!({ "name": dep, "kind": kind }))
                .collect();
            json!({ "name": name, "dependencies": deps })
        })
        .collect();
    json!({ "packages": packages })
}

#[test]
fn the_check_finds_a_cycle_through_dev_dependencies_and_the_fakes_in_a_product_crate() {
    // The graph before the demo had its own crate: vica-core's tests on the
    // fakes, the fakes on vica-core, vica-sync on the fakes, the CLI listing them.
    let before = graph_of(&metadata(&[
        ("vica-core", &[("vica-fakes", Some("dev")), ("serde", None)]),
        ("vica-fakes", &[("vica-core", None)]),
        ("vica-sync", &[("vica-core", None), ("vica-fakes", None)]),
        ("vica-cli", &[("vica-sync", None), ("vica-fakes", None)]),
    ]));
    let found = violations(&before);
    assert!(
        found.contains(&"dependency cycle: vica-core -> vica-fakes -> vica-core".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"vica-sync builds with vica-fakes: vica-sync -> vica-fakes".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"vica-cli builds with vica-fakes: vica-cli -> vica-fakes".to_owned()),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");

    // The shape this crate gives it: the fakes through the demo only, tests
    // on the fakes where no cycle results.
    let after = graph_of(&metadata(&[
        ("vica-core", &[("serde", None)]),
        ("vica-fakes", &[("vica-core", None)]),
        (
            "vica-sync",
            &[("vica-core", None), ("vica-fakes", Some("dev"))],
        ),
        (DEMO, &[("vica-sync", None), ("vica-fakes", None)]),
        ("vica-cli", &[("vica-sync", None), (DEMO, None)]),
    ]));
    assert_eq!(violations(&after), Vec::<String>::new());

    // vica-sync may not build with the demo either, nor build scripts with the fakes.
    let through_demo = graph_of(&metadata(&[
        ("vica-fakes", &[]),
        ("vica-sync", &[(DEMO, None)]),
        (DEMO, &[("vica-fakes", None)]),
        ("vica-app", &[("vica-fakes", Some("build"))]),
    ]));
    assert_eq!(
        violations(&through_demo),
        [
            "vica-app builds with vica-fakes: vica-app -> vica-fakes",
            "vica-sync builds with vica-fakes: vica-sync -> vica-demo -> vica-fakes",
            "vica-sync builds with vica-demo: vica-sync -> vica-demo",
        ]
    );
}
