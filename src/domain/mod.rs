//! Domain layer: the rules of the service.
//!
//! One folder per resource. Each resource's operations take the request context
//! ([`context::Cx`]: the request's one connection and its actor), check the resource's policy
//! (`<resource>/access.rs`, built on the primitives in [`access`]) before validating anything,
//! run their transaction with its audit record ([`audit`]) and return domain types or
//! [`AppError`](crate::error::AppError). Value types every resource uses are in [`types`].
//! Nothing here knows about HTTP. Request bodies and list filters are domain types (`…Fields`
//! for a resource's editable field set, `…Query` for its filters) deriving serde, `validator`
//! and utoipa, so the HTTP layer uses them directly instead of copying them.

pub mod access;
pub mod actions;
pub mod agreements;
pub mod areas;
pub mod audit;
pub mod contacts;
pub mod context;
pub mod coordination_documents;
pub mod directory;
pub mod event_series;
pub mod idempotency;
pub mod identity;
pub mod indicators;
pub mod mail;
pub mod meetings;
pub mod members;
pub mod networks;
pub mod organizations;
pub mod phenomena;
pub mod removals;
pub mod service_clients;
pub mod types;
pub mod venues;
pub mod webhooks;
pub mod workshops;

#[cfg(test)]
mod tests {
    /// A resource folder is layered: `model.rs` (with the value modules it builds on) at the
    /// bottom, `access.rs` over it, operation files on top. A file reaches only below itself
    /// (`super::model`, `super::access`, a value module), never sideways into another
    /// operation file; and no two files anywhere under `domain/` reach into each other.
    #[test]
    fn resource_folders_are_layered_and_no_two_files_import_each_other() {
        use std::collections::{BTreeMap, BTreeSet};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
        let below = |file: &str| -> BTreeSet<&'static str> {
            let values: &[&'static str] = &["schedule", "positions"];
            match file {
                "model" => values.iter().copied().collect(),
                "access" => values.iter().copied().chain(["model"]).collect(),
                _ if values.contains(&file) => BTreeSet::new(),
                _ => values.iter().copied().chain(["model", "access"]).collect(),
            }
        };
        let mut reaches: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut offenders = Vec::new();
        for folder in std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
            let files: BTreeSet<String> = std::fs::read_dir(&folder)
                .unwrap()
                .flatten()
                .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
                .filter(|s| s != "mod")
                .collect();
            let resource = folder.join("model.rs").exists();
            for file in &files {
                let text = std::fs::read_to_string(folder.join(format!("{file}.rs"))).unwrap();
                // Unit tests may reach anywhere in their own file.
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                for (at, _) in text.match_indices("super::") {
                    let name: String =
                        text[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !files.contains(&name) {
                        continue;
                    }
                    let key = format!("{}/{file}", folder.display());
                    reaches.entry(key).or_default().insert(format!("{}/{name}", folder.display()));
                    if resource && !below(file).contains(name.as_str()) {
                        offenders.push(format!("{}/{file}.rs reaches sideways into {name}", folder.display()));
                    }
                }
            }
        }
        for (file, targets) in &reaches {
            for target in targets {
                if reaches.get(target).is_some_and(|t| t.contains(file)) {
                    offenders.push(format!("{file} and {target} import each other"));
                }
            }
        }
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }
}
