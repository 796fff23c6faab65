//! The fast path of reading a workspace: the JSON text deserialised straight into typed
//! records, without building a `serde_json::Value` tree first.
//!
//! The tree costs about six times the text in memory (every number a 32-byte `Value`,
//! every object a map) and most of the time of reading, but it is what lets
//! [`super::parse`] name the JSON path of every problem. So this path only accepts: it
//! takes a document exactly when [`super::parse`] would read it to the same [`Workspace`]
//! and [`super::parse::validate`] would pass it, and answers `None` otherwise, and the
//! caller then reads the document the slow way for its error message. Being stricter
//! than the slow path is harmless (a document with a duplicated key, say, is just read
//! slowly); accepting what it rejects would not be, hence the care below with `null`s,
//! unknown keys and empty arrays.

use super::{
    parse, Channel, Measurement, Modifier, ModifierData, ModifierKind, Observation,
    ParameterConfig, Sample, Workspace,
};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The workspace in `text`, when the fast path can read and validate it.
pub(super) fn workspace(text: &[u8]) -> Option<Workspace> {
    let raw: RawWorkspace = serde_json::from_slice(text).ok()?;
    let ws = raw.into_workspace()?;
    parse::validate(&ws).ok()?;
    Some(ws)
}

/// A deserialiser that reads structs only from JSON objects. serde's derived struct
/// deserialiser also takes arrays (positionally: `["mu", [1.0]]` as a parameter
/// configuration), which the slow path rightly rejects, so every record type here reads
/// itself through this (see [`objects_only`]).
struct ObjectsOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // serde_json's `deserialize_map` calls only `visit_map`, and refuses an array.
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// Implements `Deserialize` for record types whose derive is `#[serde(remote = "Self")]`
/// (an inherent `deserialize`), reading them through [`ObjectsOnly`].
macro_rules! objects_only {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$t>::deserialize(ObjectsOnly(d))
            }
        }
    )*};
}

objects_only!(
    RawWorkspace,
    RawChannel,
    RawSample,
    RawModifier,
    RawObservation,
    RawMeasurement,
    RawConfig,
    RawParameter
);

/// `Some` of a present value: unlike serde's own `Option`, a JSON `null` is an error here,
/// as it is for the slow path (`"inits": null` is not an absent `inits`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawWorkspace {
    channels: Vec<RawChannel>,
    observations: Vec<RawObservation>,
    measurements: Vec<RawMeasurement>,
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawChannel {
    name: String,
    samples: Vec<RawSample>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawSample {
    name: String,
    data: Vec<f64>,
    modifiers: Vec<RawModifier>,
    /// Allowed by the schema and ignored, whatever it holds.
    #[serde(default, rename = "parameter_configs")]
    _parameter_configs: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawModifier {
    name: String,
    #[serde(rename = "type", deserialize_with = "kind_from_string")]
    kind: ModifierKind,
    /// Absent and `null` are alike for the modifiers that take no data.
    #[serde(default)]
    data: Option<RawData>,
}

/// A modifier type from its name, a JSON string only: serde's derived enum reader also
/// takes the map form `{"normfactor": null}` of a unit variant, which the schema (and the
/// reader that words errors) refuses.
fn kind_from_string<'de, D: Deserializer<'de>>(d: D) -> Result<ModifierKind, D::Error> {
    let name = String::deserialize(d)?;
    ModifierKind::from_name(&name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown modifier type {name:?}")))
}

/// A modifier's `data` before its type is known (`type` may come after `data`).
enum RawData {
    List(Vec<f64>),
    /// The keys of a `normsys` or `histosys` object; which ones are present is checked
    /// against the type afterwards.
    Object {
        hi: Option<f64>,
        lo: Option<f64>,
        hi_data: Option<Vec<f64>>,
        lo_data: Option<Vec<f64>>,
    },
}

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawDataVisitor)
    }
}

struct RawDataVisitor;

impl<'de> Visitor<'de> for RawDataVisitor {
    type Value = RawData;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of numbers or a normsys/histosys object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawData, A::Error> {
        let mut xs = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(x) = seq.next_element::<f64>()? {
            xs.push(x);
        }
        Ok(RawData::List(xs))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawData, A::Error> {
        use serde::de::Error;
        let (mut hi, mut lo, mut hi_data, mut lo_data) = (None, None, None, None);
        while let Some(key) = map.next_key::<RawDataKey>()? {
            let fresh = match key {
                RawDataKey::Hi => hi.replace(map.next_value::<f64>()?).is_none(),
                RawDataKey::Lo => lo.replace(map.next_value::<f64>()?).is_none(),
                RawDataKey::HiData => hi_data.replace(map.next_value()?).is_none(),
                RawDataKey::LoData => lo_data.replace(map.next_value()?).is_none(),
            };
            if !fresh {
                return Err(A::Error::custom("duplicate key"));
            }
        }
        Ok(RawData::Object {
            hi,
            lo,
            hi_data,
            lo_data,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawDataKey {
    Hi,
    Lo,
    HiData,
    LoData,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawObservation {
    name: String,
    data: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawMeasurement {
    name: String,
    config: RawConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawConfig {
    poi: String,
    parameters: Vec<RawParameter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
struct RawParameter {
    name: String,
    #[serde(default, deserialize_with = "present")]
    inits: Option<Vec<f64>>,
    #[serde(default, deserialize_with = "present")]
    bounds: Option<Vec<[f64; 2]>>,
    #[serde(default, deserialize_with = "present")]
    auxdata: Option<Vec<f64>>,
    #[serde(default, deserialize_with = "present")]
    factors: Option<Vec<f64>>,
    #[serde(default, deserialize_with = "present")]
    sigmas: Option<Vec<f64>>,
    #[serde(default, deserialize_with = "present")]
    fixed: Option<bool>,
}

/// `xs` if non-empty: the slow path wants at least one number in every list.
fn numbers(xs: Vec<f64>) -> Option<Vec<f64>> {
    (!xs.is_empty()).then_some(xs)
}

/// [`numbers`] of an optional list.
fn opt_numbers(xs: Option<Vec<f64>>) -> Option<Option<Vec<f64>>> {
    match xs {
        None => Some(None),
        Some(xs) => numbers(xs).map(Some),
    }
}

impl RawWorkspace {
    fn into_workspace(self) -> Option<Workspace> {
        Some(Workspace {
            channels: self
                .channels
                .into_iter()
                .map(RawChannel::into_channel)
                .collect::<Option<_>>()?,
            observations: self
                .observations
                .into_iter()
                .map(|o| {
                    Some(Observation {
                        name: o.name,
                        data: numbers(o.data)?,
                    })
                })
                .collect::<Option<_>>()?,
            measurements: self
                .measurements
                .into_iter()
                .map(RawMeasurement::into_measurement)
                .collect::<Option<_>>()?,
            version: self.version,
        })
    }
}

impl RawChannel {
    fn into_channel(self) -> Option<Channel> {
        Some(Channel {
            name: self.name,
            samples: self
                .samples
                .into_iter()
                .map(|s| {
                    Some(Sample {
                        name: s.name,
                        data: numbers(s.data)?,
                        modifiers: s
                            .modifiers
                            .into_iter()
                            .map(RawModifier::into_modifier)
                            .collect::<Option<_>>()?,
                    })
                })
                .collect::<Option<_>>()?,
        })
    }
}

impl RawModifier {
    fn into_modifier(self) -> Option<Modifier> {
        let data = match (self.kind, self.data) {
            (ModifierKind::NormFactor, None) => ModifierData::NormFactor,
            (ModifierKind::ShapeFactor, None) => ModifierData::ShapeFactor,
            (ModifierKind::Lumi, None) if self.name == "lumi" => ModifierData::Lumi,
            (
                ModifierKind::NormSys,
                Some(RawData::Object {
                    hi: Some(hi),
                    lo: Some(lo),
                    hi_data: None,
                    lo_data: None,
                }),
            ) => ModifierData::NormSys { hi, lo },
            (
                ModifierKind::HistoSys,
                Some(RawData::Object {
                    hi: None,
                    lo: None,
                    hi_data: Some(hi_data),
                    lo_data: Some(lo_data),
                }),
            ) => ModifierData::HistoSys {
                hi_data: numbers(hi_data)?,
                lo_data: numbers(lo_data)?,
            },
            (ModifierKind::ShapeSys, Some(RawData::List(xs))) => {
                ModifierData::ShapeSys(numbers(xs)?)
            }
            (ModifierKind::StatError, Some(RawData::List(xs))) => {
                ModifierData::StatError(numbers(xs)?)
            }
            _ => return None,
        };
        Some(Modifier {
            name: self.name,
            data,
        })
    }
}

impl RawMeasurement {
    fn into_measurement(self) -> Option<Measurement> {
        Some(Measurement {
            name: self.name,
            poi: self.config.poi,
            parameters: self
                .config
                .parameters
                .into_iter()
                .map(RawParameter::into_config)
                .collect::<Option<_>>()?,
        })
    }
}

impl RawParameter {
    fn into_config(self) -> Option<ParameterConfig> {
        if let Some(bounds) = &self.bounds {
            if bounds.iter().any(|[lo, hi]| lo > hi) {
                return None;
            }
        }
        Some(ParameterConfig {
            name: self.name,
            inits: opt_numbers(self.inits)?,
            bounds: self.bounds,
            auxdata: opt_numbers(self.auxdata)?,
            factors: opt_numbers(self.factors)?,
            sigmas: opt_numbers(self.sigmas)?,
            fixed: self.fixed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{read_text, SpecError, Workspace};
    use serde_json::{json, Value};
    use std::path::{Path, PathBuf};

    /// The slow path's answer for `text`.
    fn slow(text: &[u8]) -> Result<Workspace, SpecError> {
        let value: Value =
            serde_json::from_slice(text).map_err(|e| SpecError::Json(e.to_string()))?;
        Workspace::from_value(&value)
    }

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.to_string_lossy();
            if p.is_dir() {
                json_files(&p, out);
            } else if name.ends_with(".json") || name.ends_with(".json.gz") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_fixture_reads_the_same_on_both_paths() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        json_files(&root.join("../../fixtures"), &mut files);
        json_files(&root.join("tests"), &mut files);
        let (mut workspaces, mut gzipped) = (0, 0);
        for path in &files {
            let text = read_text(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let fast = super::workspace(&text);
            match slow(&text) {
                Ok(ws) => {
                    assert_eq!(fast.as_ref(), Some(&ws), "{}", path.display());
                    assert_eq!(Workspace::from_path(path).as_ref(), Ok(&ws));
                    workspaces += 1;
                    gzipped += usize::from(path.to_string_lossy().ends_with(".gz"));
                }
                Err(e) => {
                    assert!(fast.is_none(), "{}: fast path read {e}", path.display());
                    let via_path = Workspace::from_path(path).expect_err("invalid");
                    match e {
                        // from_path names the file in a JSON syntax error.
                        SpecError::Json(_) => assert!(matches!(via_path, SpecError::Json(_))),
                        e => assert_eq!(via_path, e, "{}", path.display()),
                    }
                }
            }
        }
        assert!(
            workspaces >= 70,
            "only {workspaces} workspaces among the fixtures"
        );
        assert!(gzipped >= 1, "no gzipped workspace among the fixtures");
    }

    fn base() -> Value {
        json!({
            "channels": [{"name": "sr", "samples": [
                {"name": "sig", "data": [5.0, 6.0], "modifiers": [
                    {"name": "mu", "type": "normfactor", "data": null},
                    {"name": "lumi", "type": "lumi", "data": null},
                    {"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
                    {"name": "h", "type": "histosys",
                     "data": {"hi_data": [6.0, 7.0], "lo_data": [4.0, 5.0]}},
                    {"name": "s", "type": "shapesys", "data": [1.0, 2.0]},
                    {"name": "e", "type": "staterror", "data": [0.5, 0.5]},
                    {"name": "f", "type": "shapefactor", "data": null}]}]}],
            "observations": [{"name": "sr", "data": [6.0, 7.0]}],
            "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [
                {"name": "lumi", "inits": [1.0], "bounds": [[0.5, 1.5]], "auxdata": [1.0],
                 "sigmas": [0.02], "fixed": false}]}}],
            "version": "1.0.0"
        })
    }

    /// `base()` with the value at JSON pointer `at` replaced (or removed, for `None`).
    fn with(at: &str, v: Option<Value>) -> Value {
        let mut doc = base();
        let (parent, key) = at.rsplit_once('/').expect("pointer");
        let p = doc.pointer_mut(parent).expect("parent");
        match (p, v) {
            (Value::Object(o), Some(v)) => {
                o.insert(key.to_string(), v);
            }
            (Value::Object(o), None) => {
                o.remove(key);
            }
            (Value::Array(a), Some(v)) => a[key.parse::<usize>().expect("index")] = v,
            _ => panic!("{at}"),
        }
        doc
    }

    const MOD: &str = "/channels/0/samples/0/modifiers";
    const PAR: &str = "/measurements/0/config/parameters/0";

    #[test]
    fn documents_the_slow_path_rejects_are_left_to_it() {
        let cases = [
            with(&format!("{PAR}/inits"), Some(Value::Null)),
            with(&format!("{PAR}/fixed"), Some(Value::Null)),
            with(&format!("{PAR}/bounds"), Some(Value::Null)),
            with(&format!("{PAR}/auxdata"), Some(json!([]))),
            with(&format!("{PAR}/bounds"), Some(json!([[1.5, 0.5]]))),
            with(&format!("{PAR}/bounds"), Some(json!([[0.5, 1.0, 1.5]]))),
            with(&format!("{PAR}/bounds"), Some(json!([[0.5]]))),
            with(&format!("{PAR}/colour"), Some(json!("red"))),
            with(&format!("{MOD}/0/data"), Some(json!([1.0, 1.0]))),
            with(&format!("{MOD}/0/data"), Some(json!({}))),
            with(&format!("{MOD}/1/name"), Some(json!("lumi2"))),
            with(&format!("{MOD}/2/data/hi_data"), Some(json!([1.0, 1.0]))),
            with(&format!("{MOD}/2/data/lo"), None),
            with(&format!("{MOD}/2/data"), None),
            with(&format!("{MOD}/2/data/hi"), Some(json!("1.1"))),
            with(&format!("{MOD}/3/data/hi"), Some(json!(1.0))),
            with(&format!("{MOD}/3/data/hi_data"), Some(json!([]))),
            with(&format!("{MOD}/4/data"), Some(Value::Null)),
            with(&format!("{MOD}/5/data"), Some(json!([]))),
            with(&format!("{MOD}/5/data"), Some(json!([0.5, "x"]))),
            with(&format!("{MOD}/5/type"), Some(json!("staterr"))),
            with(&format!("{MOD}/5/type"), Some(json!(7))),
            // serde's derived enum reader takes a unit variant's map form.
            with(&format!("{MOD}/0/type"), Some(json!({"normfactor": null}))),
            with(&format!("{MOD}/6/data"), Some(json!(false))),
            with("/channels/0/samples/0/colour", Some(json!(1))),
            with("/channels/0/samples/0/data", Some(json!([]))),
            with("/channels/0/samples/0/data", Some(json!([5.0]))),
            with("/observations/0/data", Some(json!([1.0]))),
            with("/version", Some(json!("1.1.0"))),
            with("/version", None),
            with("/extra", Some(json!({}))),
            with("/measurements", Some(json!([]))),
            // Arrays for objects, which serde's derived readers take positionally (see
            // issue 17).
            with("/measurements/0/config/parameters", Some(json!([["lumi"]]))),
            with(
                PAR,
                Some(json!(["lumi", [1.0], [[0.5, 1.5]], [1.0], null, [0.02]])),
            ),
            with("/measurements/0/config", Some(json!(["mu", []]))),
            with(
                "/measurements/0",
                Some(json!(["m", {"poi": "mu", "parameters": []}])),
            ),
            with(&format!("{MOD}/0"), Some(json!(["mu", "normfactor", null]))),
            with(
                "/channels/0/samples/0",
                Some(json!(["sig", [5.0, 6.0], []])),
            ),
            with("/channels/0", Some(json!(["sr", []]))),
            with("/observations/0", Some(json!(["sr", [6.0, 7.0]]))),
            json!([
                [["sr", [["sig", [5.0, 6.0], [["mu", "normfactor", null]]]]]],
                [["sr", [6.0, 7.0]]],
                [["m", ["mu", []]]],
                "1.0.0"
            ]),
        ];
        for doc in cases {
            let text = doc.to_string();
            assert!(
                super::workspace(text.as_bytes()).is_none(),
                "fast path read {text}"
            );
            let slow = Workspace::from_value(&doc).expect_err("invalid document");
            assert_eq!(Workspace::from_str(&text), Err(slow), "{text}");
        }
    }

    #[test]
    fn what_the_slow_path_tolerates_is_read_alike() {
        let tolerated = [
            base(),
            with(&format!("{MOD}/0/data"), None),
            with(&format!("{MOD}/2/data/hi"), Some(json!(2))),
            with(&format!("{PAR}/bounds"), Some(json!([]))),
            with(
                "/channels/0/samples/0/parameter_configs",
                Some(json!([{"name": "x"}])),
            ),
            with("/observations/0/name", Some(json!("elsewhere"))),
        ];
        for doc in tolerated {
            let text = doc.to_string();
            let slow = Workspace::from_value(&doc).expect("valid document");
            assert_eq!(super::workspace(text.as_bytes()), Some(slow), "{text}");
        }
        // A repeated key is not for the fast path (serde_json's tree keeps the last).
        let text = base().to_string().replacen(
            "\"version\":\"1.0.0\"",
            "\"version\":\"0.9\",\"version\":\"1.0.0\"",
            1,
        );
        assert!(super::workspace(text.as_bytes()).is_none());
        assert_eq!(Workspace::from_str(&text), slow(text.as_bytes()));
        assert!(Workspace::from_str(&text).is_ok());
    }
}
