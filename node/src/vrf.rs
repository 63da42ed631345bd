//! The block author's VRF, the inherent the randomness pallet needs in every block.
//!
//! When Aura asks for a slot's inherent data, this provider finds the slot's author among the
//! authorities at the parent block (`authorities[slot % n]`, Aura's own rule) and, if its key is
//! in the local keystore, signs the randomness pallet's transcript of (parent's seed, slot) with
//! it ([`pallet_randomness::vrf_transcript`]). The runtime checks the proof against the same key
//! and moves its seed forward with the output. A node that does not hold the slot's key (the
//! slot is another validator's) provides nothing: it does not author that block.

use codec::Decode;
use opg_runtime::opaque::Block;
use pallet_randomness::{AuthorVrf, INHERENT_IDENTIFIER};
use sc_client_api::StorageProvider;
use sp_api::ProvideRuntimeApi;
use sp_consensus_aura::{sr25519::AuthorityId as AuraId, AuraApi, Slot};
use sp_core::{
	crypto::{key_types::AURA, ByteArray},
	sr25519,
	storage::StorageKey,
};
use sp_inherents::{Error, InherentData};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::Block as BlockT;

const LOG_TARGET: &str = "opg::vrf";

/// The author of `slot` among `authorities` (Aura's round robin).
pub fn slot_author(authorities: &[AuraId], slot: u64) -> Option<&AuraId> {
	let count = u64::try_from(authorities.len()).ok().filter(|n| *n > 0)?;
	authorities.get(usize::try_from(slot.checked_rem(count)?).ok()?)
}

/// Signs the randomness pallet's transcript for `seed` and `slot` with `author`'s key, if the
/// keystore has it.
pub fn sign(
	keystore: &KeystorePtr,
	author: &sr25519::Public,
	seed: &[u8; 32],
	slot: u64,
) -> Option<AuthorVrf> {
	let data = pallet_randomness::vrf_transcript(seed, slot).into_sign_data();
	match keystore.sr25519_vrf_sign(AURA, author, &data) {
		Ok(Some(signature)) => Some(AuthorVrf::from_signature(&signature)),
		Ok(None) => None,
		Err(e) => {
			log::warn!(target: LOG_TARGET, "the keystore cannot sign the VRF of slot {slot}: {e}");
			None
		}
	}
}

/// The VRF inherent data of one slot (nothing when the slot is not this node's).
pub struct InherentDataProvider {
	vrf: Option<AuthorVrf>,
}

impl InherentDataProvider {
	/// The VRF for `slot` on top of `parent`, signed with the local key of the slot's author.
	pub fn new<C>(
		client: &C,
		keystore: &KeystorePtr,
		parent: <Block as BlockT>::Hash,
		slot: Slot,
	) -> Self
	where
		C: ProvideRuntimeApi<Block> + StorageProvider<Block, sc_service::TFullBackend<Block>>,
		C::Api: AuraApi<Block, AuraId>,
	{
		let slot = u64::from(slot);
		let authorities = match client.runtime_api().authorities(parent) {
			Ok(authorities) => authorities,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "no authorities at {parent}: {e}");
				return Self { vrf: None };
			}
		};
		let Some(author) = slot_author(&authorities, slot) else { return Self { vrf: None } };
		let Ok(author) = sr25519::Public::from_slice(author.as_slice()) else {
			return Self { vrf: None };
		};
		if !keystore.has_keys(&[(author.to_raw_vec(), AURA)]) {
			return Self { vrf: None };
		}
		let key =
			StorageKey(pallet_randomness::Seed::<opg_runtime::Runtime>::hashed_key().to_vec());
		let seed = match client.storage(parent, &key) {
			Ok(Some(data)) => <[u8; 32]>::decode(&mut &data.0[..]).unwrap_or_default(),
			Ok(None) => [0; 32],
			Err(e) => {
				log::warn!(target: LOG_TARGET, "the seed at {parent} cannot be read: {e}");
				return Self { vrf: None };
			}
		};
		Self { vrf: sign(keystore, &author, &seed, slot) }
	}
}

#[async_trait::async_trait]
impl sp_inherents::InherentDataProvider for InherentDataProvider {
	async fn provide_inherent_data(&self, data: &mut InherentData) -> Result<(), Error> {
		match &self.vrf {
			Some(vrf) => data.put_data(INHERENT_IDENTIFIER, vrf),
			None => Ok(()),
		}
	}

	async fn try_handle_error(
		&self,
		identifier: &sp_inherents::InherentIdentifier,
		_error: &[u8],
	) -> Option<Result<(), Error>> {
		(*identifier == INHERENT_IDENTIFIER)
			.then(|| Err(Error::Application("the block's VRF was refused".into())))
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::expect_used)]
	use super::*;
	use sp_core::{crypto::VrfPublic, Pair};
	use sp_keystore::{testing::MemoryKeystore, Keystore};
	use std::sync::Arc;

	#[test]
	fn the_slot_author_is_authorities_at_slot_modulo_their_count() {
		let keys: Vec<AuraId> = (0..3u8)
			.map(|i| sp_consensus_aura::sr25519::AuthorityPair::from_seed(&[i; 32]).public())
			.collect();
		assert_eq!(slot_author(&keys, 7), Some(&keys[1]));
		assert_eq!(slot_author(&keys, 9), Some(&keys[0]));
		assert_eq!(slot_author(&[], 9), None);
	}

	#[test]
	fn the_keystores_vrf_verifies_on_the_pallets_transcript() {
		let keystore: KeystorePtr = Arc::new(MemoryKeystore::new());
		let author = keystore.sr25519_generate_new(AURA, Some("//Alice")).unwrap();
		let vrf = sign(&keystore, &author, &[3; 32], 11).expect("the keystore holds the key");
		let data = pallet_randomness::vrf_transcript(&[3; 32], 11).into_sign_data();
		assert!(author.vrf_verify(&data, &vrf.signature().unwrap()));
		let other = sr25519::Pair::from_string("//Bob", None).unwrap().public();
		assert!(sign(&keystore, &other, &[3; 32], 11).is_none(), "no key, no VRF");
	}
}
