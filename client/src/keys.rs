//! Signers: sr25519 key pairs from a secret URI (`//Alice`, a mnemonic with derivation paths,
//! `0x…` seed) or from a key file (a secret URI on one line, or a polkadot.js JSON export).

use std::{path::Path, str::FromStr};

use subxt_signer::{sr25519::Keypair, SecretUri};

use crate::{AccountId, Error};

/// A key pair from a secret URI, e.g. `//Alice` or `"<mnemonic>//hard/soft///password"`.
pub fn from_suri(suri: &str) -> Result<Keypair, Error> {
	// Never echo the secret in an error.
	let uri = SecretUri::from_str(suri)
		.map_err(|e| Error::Invalid(format!("the secret URI does not parse: {e}")))?;
	Keypair::from_uri(&uri).map_err(|e| Error::Invalid(format!("the secret URI gives no key: {e}")))
}

/// A key pair from a file: a polkadot.js account export (JSON, decrypted with `password`) or a
/// secret URI on its first line.
pub fn from_file(path: &Path, password: Option<&str>) -> Result<Keypair, Error> {
	let text = std::fs::read_to_string(path)
		.map_err(|e| Error::Invalid(format!("cannot read key file {}: {e}", path.display())))?;
	if text.trim_start().starts_with('{') {
		let password = password.ok_or_else(|| {
			Error::Invalid(format!(
				"{} is a polkadot.js export: give its --password",
				path.display()
			))
		})?;
		return subxt_signer::polkadot_js_compat::decrypt_json(&text, password)
			.map_err(|e| Error::Invalid(format!("cannot decrypt {}: {e}", path.display())));
	}
	let line = text.lines().next().unwrap_or_default().trim();
	from_suri(line)
}

/// The account of a key pair.
pub fn account(pair: &Keypair) -> AccountId {
	AccountId::new(pair.public_key().0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn dev_accounts_and_files() {
		// Alice's well-known account.
		assert_eq!(
			account(&from_suri("//Alice").unwrap()).to_string(),
			"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
		);
		let dir = tempfile::tempdir().unwrap();
		let file = dir.path().join("bob.key");
		std::fs::write(&file, "//Bob\n").unwrap();
		assert_eq!(
			account(&from_file(&file, None).unwrap()).to_string(),
			"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
		);
		assert!(from_suri("not a uri //").is_err());
		std::fs::write(&file, "{\"encoded\": \"x\"}").unwrap();
		assert!(
			matches!(from_file(&file, None), Err(Error::Invalid(m)) if m.contains("--password"))
		);
	}

	#[test]
	fn polkadot_js_exports_decrypt_with_their_password() {
		// Exported by @polkadot/keyring (`pair.toJson(password)`) for //Ferdie: scrypt +
		// xsalsa20-poly1305, the format of polkadot.js apps' "export account".
		let export =
			Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ferdie-polkadotjs.json");
		let ferdie = from_file(&export, Some("opg-test-password")).unwrap();
		assert_eq!(
			account(&ferdie).to_string(),
			"5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL"
		);
		assert_eq!(account(&ferdie), account(&from_suri("//Ferdie").unwrap()));
		assert!(
			matches!(from_file(&export, Some("wrong")), Err(Error::Invalid(m)) if m.contains("cannot decrypt"))
		);
	}
}
