//! Amounts in JSON: planck as a decimal string (`"1000000000000000000"` is 1 OPG), since a `u128`
//! does not fit a JSON number. Use as `#[serde(with = "opg_api::amount")]`.

use serde::{de::Error, Deserialize, Deserializer, Serializer};

/// Writes `amount` as a decimal string.
pub fn serialize<S: Serializer>(amount: &u128, s: S) -> Result<S::Ok, S::Error> {
	s.collect_str(amount)
}

/// Reads a decimal string.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
	let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
	text.parse().map_err(|_| {
		D::Error::custom(format!("an amount is a decimal string of planck, not {text:?}"))
	})
}

/// An optional amount: a decimal string or `null`. Use as `#[serde(with = "opg_api::amount::option")]`.
pub mod option {
	use serde::{Deserialize, Deserializer, Serializer};

	/// Writes `Some(amount)` as a decimal string, `None` as `null`.
	pub fn serialize<S: Serializer>(amount: &Option<u128>, s: S) -> Result<S::Ok, S::Error> {
		match amount {
			Some(amount) => s.collect_str(amount),
			None => s.serialize_none(),
		}
	}

	/// Reads a decimal string or `null`.
	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u128>, D::Error> {
		#[derive(Deserialize)]
		struct Amount(#[serde(with = "super")] u128);
		Ok(Option::<Amount>::deserialize(d)?.map(|Amount(a)| a))
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use serde::{Deserialize, Serialize};

	#[derive(Serialize, Deserialize, Debug, PartialEq)]
	struct Fee(#[serde(with = "super")] u128);

	#[test]
	fn amounts_are_decimal_strings_both_ways() {
		let fee = Fee(u128::MAX);
		let json = serde_json::to_string(&fee).unwrap();
		assert_eq!(json, format!("\"{}\"", u128::MAX));
		assert_eq!(serde_json::from_str::<Fee>(&json).unwrap(), fee);
		assert!(serde_json::from_str::<Fee>("12").is_err(), "a number is not an amount");
		assert!(serde_json::from_str::<Fee>("\"-1\"").is_err());
	}

	#[derive(Serialize, Deserialize, Debug, PartialEq)]
	struct Tally(#[serde(with = "super::option")] Option<u128>);

	#[test]
	fn optional_amounts_are_strings_or_null() {
		assert_eq!(serde_json::to_string(&Tally(Some(5))).unwrap(), "\"5\"");
		assert_eq!(serde_json::to_string(&Tally(None)).unwrap(), "null");
		assert_eq!(serde_json::from_str::<Tally>("\"5\"").unwrap(), Tally(Some(5)));
		assert_eq!(serde_json::from_str::<Tally>("null").unwrap(), Tally(None));
	}
}
