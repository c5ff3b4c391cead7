//! The nicepay fake straight at its HTTP API: its own envelope and codes. (Being written.)
