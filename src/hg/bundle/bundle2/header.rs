//! A bundle2 part's header ([`PartHeader`]): its type, id and parameters,
//! and the error an `error:*` part stands for.

use crate::hg::FormatError;

/// A part's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartHeader {
    /// The part type as written (uppercase letters make it mandatory).
    pub part_type: String,
    /// The part id.
    pub id: u32,
    /// Mandatory parameters, in order.
    pub mandatory_params: Vec<(String, String)>,
    /// Advisory parameters, in order.
    pub advisory_params: Vec<(String, String)>,
    /// Byte offset of the header (its size field) in the bundle stream.
    pub offset: u64,
}

impl PartHeader {
    /// The part type, lowercased (how parts are compared).
    pub fn name(&self) -> String {
        self.part_type.to_ascii_lowercase()
    }

    /// Whether the part must be understood: its type has an uppercase
    /// letter.
    pub fn is_mandatory(&self) -> bool {
        self.part_type.bytes().any(|c| c.is_ascii_uppercase())
    }

    /// The value of a (mandatory or advisory) parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.mandatory_params
            .iter()
            .chain(&self.advisory_params)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// The error for an `error:*` part.
    pub(crate) fn remote_error(&self) -> FormatError {
        let message = match self.param("message") {
            Some(m) => m.to_string(),
            None => self
                .mandatory_params
                .iter()
                .chain(&self.advisory_params)
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        FormatError::Remote {
            kind: self.name(),
            message,
            hint: self.param("hint").map(str::to_string),
        }
    }
}
