//! Text to `f64`, as `str::parse` reads it. In the wasm module the reading is lexical's
//! compact parser: the same grammar and the same correctly rounded value (the tests
//! below hold the two together), in 6 KB less of the module than the standard
//! library's tables (issue 20's size target). Natively it is the standard library's,
//! which is faster; the wasm paths that run per item (a pop's or a take's scores) check
//! their text without reading it (see the decoder).

/// `text` read as `str::parse::<f64>` reads it (`1.5`, `-inf`, `1e+20`; no spaces),
/// `None` where that fails (bytes that are not UTF-8 included).
pub(crate) fn parse_f64(text: &[u8]) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    {
        lexical_parse_float::FromLexical::from_lexical(text).ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::str::from_utf8(text).ok()?.parse().ok()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use lexical_parse_float::FromLexical;
    use proptest::prelude::*;

    use super::parse_f64;

    /// The module's reading of `text` is the standard library's, bit for bit.
    fn agree(text: &str) -> std::result::Result<(), TestCaseError> {
        let module = f64::from_lexical(text.as_bytes()).ok().map(f64::to_bits);
        let native = parse_f64(text.as_bytes()).map(f64::to_bits);
        // Any NaN is a NaN: their bits may differ.
        let nan = |bits: Option<u64>| bits.map(|b| f64::from_bits(b).is_nan());
        if nan(module) == Some(true) && nan(native) == Some(true) {
            return Ok(());
        }
        prop_assert_eq!(module, native, "{:?}", text);
        Ok(())
    }

    #[test]
    fn the_module_reads_every_edge_as_the_standard_library() {
        for text in [
            "1.5",
            "-0",
            "+0",
            "0.0",
            "00012",
            ".5",
            "+.5",
            "1.",
            "1e5",
            "1E5",
            "1e+5",
            "1.5e-3",
            "inf",
            "-inf",
            "+inf",
            "Inf",
            "INF",
            "infinity",
            "-Infinity",
            "nan",
            "NaN",
            "-nan",
            "1e400",
            "-1e400",
            "1e-400",
            "4.9e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "9007199254740993",
            "1700000000.1234567",
            "123456789012345678901234567890",
            "",
            ".",
            "+",
            "-",
            "e5",
            "1e",
            "1e+",
            "1..2",
            "1.2.3",
            "--1",
            "+-1",
            "1e5.5",
            "0x10",
            " 1",
            "1 ",
            "1_0",
            "infx",
            "in",
            "nanx",
            "١",
        ] {
            agree(text).unwrap();
        }
        // Bytes that are not UTF-8 are no number to either.
        assert_eq!(parse_f64(&[b'1', 0xff]), None);
        assert!(f64::from_lexical(&[b'1', 0xff]).is_err());
    }

    proptest! {
        #[test]
        fn the_module_reads_any_text_as_the_standard_library(text in "[ +\\-0-9.eEinfatyINFATY]{0,14}") {
            agree(&text)?;
        }

        #[test]
        fn the_module_reads_any_decimal_as_the_standard_library(
            digits in "[0-9]{1,24}",
            point in proptest::option::of(0usize..25),
            exponent in proptest::option::of(-350i32..350),
        ) {
            let mut text = digits;
            if let Some(at) = point {
                text.insert(at.min(text.len()), '.');
            }
            if let Some(e) = exponent {
                text.push_str(&format!("e{e}"));
            }
            agree(&text)?;
        }
    }
}
