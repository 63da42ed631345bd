//! OPG amounts: 18 decimals. Parsed from and shown as decimal OPG (`1.5`, `1,000`), never as
//! floats, so no amount is rounded.

use crate::Error;

/// Decimal places of OPG.
pub const DECIMALS: u32 = 18;
/// One OPG in planck (the smallest unit).
pub const OPG: u128 = 1_000_000_000_000_000_000;

/// Parses a decimal OPG amount (`100`, `1.5`, `0.000000000000000001`, `1_000`, `1,000`) into
/// planck. More than 18 decimals, signs, exponents and overflow are errors.
pub fn parse_opg(text: &str) -> Result<u128, Error> {
	let bad = |why: &str| Error::Invalid(format!("`{text}` is not an OPG amount: {why}"));
	let clean: String = text.trim().chars().filter(|c| *c != '_' && *c != ',').collect();
	let clean = clean.strip_suffix("OPG").unwrap_or(&clean).trim();
	let (whole, fraction) = clean.split_once('.').unwrap_or((clean, ""));
	if whole.is_empty() && fraction.is_empty() {
		return Err(bad("no digits"));
	}
	if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
		return Err(bad("only digits and one decimal point"));
	}
	if fraction.len() > DECIMALS as usize {
		return Err(bad("more than 18 decimals"));
	}
	let whole: u128 =
		if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad("too large"))? };
	let padded = format!("{fraction:0<18}");
	let fraction: u128 = padded.parse().map_err(|_| bad("bad decimals"))?;
	whole
		.checked_mul(OPG)
		.and_then(|planck| planck.checked_add(fraction))
		.ok_or_else(|| bad("too large"))
}

/// Shows planck as OPG with thousands separators and no trailing zeros: `1,000 OPG`,
/// `0.5 OPG`, `0.000000000000000001 OPG`.
pub fn format_opg(planck: u128) -> String {
	let whole = (planck / OPG).to_string();
	let mut grouped = String::with_capacity(whole.len().saturating_add(whole.len() / 3));
	for (i, digit) in whole.chars().enumerate() {
		if i > 0 && (whole.len().saturating_sub(i)) % 3 == 0 {
			grouped.push(',');
		}
		grouped.push(digit);
	}
	let fraction = planck % OPG;
	if fraction == 0 {
		format!("{grouped} OPG")
	} else {
		let decimals = format!("{fraction:018}");
		format!("{grouped}.{} OPG", decimals.trim_end_matches('0'))
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn amounts_parse_exactly() {
		assert_eq!(parse_opg("1").unwrap(), OPG);
		assert_eq!(parse_opg("1.5").unwrap(), OPG + OPG / 2);
		assert_eq!(parse_opg("0.000000000000000001").unwrap(), 1);
		assert_eq!(parse_opg(".25").unwrap(), OPG / 4);
		assert_eq!(parse_opg("1_000").unwrap(), 1_000 * OPG);
		assert_eq!(parse_opg("1,000,000 OPG").unwrap(), 1_000_000 * OPG);
		assert_eq!(parse_opg("340282366920938463463.374607431768211455").unwrap(), u128::MAX);
		for bad in
			["", ".", "-1", "1e3", "1.2.3", "0.0000000000000000001", "340282366920938463464", "abc"]
		{
			assert!(parse_opg(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn amounts_show_exactly() {
		assert_eq!(format_opg(0), "0 OPG");
		assert_eq!(format_opg(OPG), "1 OPG");
		assert_eq!(format_opg(1_234_567 * OPG), "1,234,567 OPG");
		assert_eq!(format_opg(OPG / 2 + 100 * OPG), "100.5 OPG");
		assert_eq!(format_opg(1), "0.000000000000000001 OPG");
		assert_eq!(format_opg(u128::MAX), "340,282,366,920,938,463,463.374607431768211455 OPG");
		for planck in [0, 1, OPG - 1, 12_345 * OPG + 6789, u128::MAX] {
			assert_eq!(parse_opg(&format_opg(planck)).unwrap(), planck);
		}
	}
}
