//! The referendum tracks: `root` (anything, slowly) and `model_listing` (list, reject or delist a
//! model in the registry).
//!
//! | track | decision deposit | prepare | decide | confirm | enact | dev chain (`FastTracks`) |
//! |---|---|---|---|---|---|---|
//! | 0 `root` | 10,000 OPG | 2 h | 14 d | 1 d | 1 d | 2 / 40 / 4 / 2 blocks |
//! | 1 `model_listing` | 100 OPG | 10 min | 3 d | 1 h | 10 min | 1 / 20 / 2 / 1 blocks |
//!
//! Approval (conviction-weighted ayes over all votes) must stay above the approval curve and
//! support (ayes before conviction over the active issuance) above the support curve for the
//! whole confirm period. Both curves fall linearly over the decision period.

use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::{str_array as s, Perbill};

use super::origins;
use crate::{
	currency::OPG,
	time::{DAYS, HOURS, MINUTES},
	Balance, BlockNumber, OriginCaller, Runtime, RuntimeOrigin,
};

/// The id of a track.
pub type TrackId = u16;
/// The `root` track.
pub const ROOT: TrackId = 0;
/// The `model_listing` track.
pub const MODEL_LISTING: TrackId = 1;

const fn percent(x: u32) -> Perbill {
	Perbill::from_percent(x)
}

const ROOT_APPROVAL: Curve =
	Curve::LinearDecreasing { length: percent(100), floor: percent(50), ceil: percent(100) };
const ROOT_SUPPORT: Curve =
	Curve::LinearDecreasing { length: percent(100), floor: percent(5), ceil: percent(50) };
const LISTING_APPROVAL: Curve =
	Curve::LinearDecreasing { length: percent(100), floor: percent(50), ceil: percent(100) };
const LISTING_SUPPORT: Curve =
	Curve::LinearDecreasing { length: percent(100), floor: percent(1), ceil: percent(5) };

/// The tracks with periods `(prepare, decide, confirm, enact)` for root and listing.
const fn tracks(
	root: (BlockNumber, BlockNumber, BlockNumber, BlockNumber),
	listing: (BlockNumber, BlockNumber, BlockNumber, BlockNumber),
) -> [Track<TrackId, Balance, BlockNumber>; 2] {
	[
		Track {
			id: ROOT,
			info: TrackInfo {
				name: s("root"),
				max_deciding: 1,
				decision_deposit: 10_000 * OPG,
				prepare_period: root.0,
				decision_period: root.1,
				confirm_period: root.2,
				min_enactment_period: root.3,
				min_approval: ROOT_APPROVAL,
				min_support: ROOT_SUPPORT,
			},
		},
		Track {
			id: MODEL_LISTING,
			info: TrackInfo {
				name: s("model_listing"),
				max_deciding: 20,
				decision_deposit: 100 * OPG,
				prepare_period: listing.0,
				decision_period: listing.1,
				confirm_period: listing.2,
				min_enactment_period: listing.3,
				min_approval: LISTING_APPROVAL,
				min_support: LISTING_SUPPORT,
			},
		},
	]
}

/// Periods of public networks.
static REALISTIC: [Track<TrackId, Balance, BlockNumber>; 2] =
	tracks((2 * HOURS, 14 * DAYS, DAYS, DAYS), (10 * MINUTES, 3 * DAYS, HOURS, 10 * MINUTES));
/// Periods of development chains, in blocks.
static FAST: [Track<TrackId, Balance, BlockNumber>; 2] = tracks((2, 40, 4, 2), (1, 20, 2, 1));

/// The tracks of this runtime (see the module docs).
pub struct TracksInfo;
impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = TrackId;
	type RuntimeOrigin = <RuntimeOrigin as frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		let fast = origins::FastTracks::<Runtime>::get();
		let tracks = if fast { &FAST } else { &REALISTIC };
		tracks.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ROOT),
			OriginCaller::Origins(origins::Origin::ModelListing) => Ok(MODEL_LISTING),
			_ => Err(()),
		}
	}
}
