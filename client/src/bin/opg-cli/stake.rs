//! `opg-cli stake delegate | undelegate | withdraw | commission | status | executors`: delegate
//! OPG to executors, take it back, and read stakes and positions.

use opg_client::{
	staking::{format_percent, parse_percent, ExecutorStake, ExecutorStatus, Position},
	units::{format_opg, parse_opg},
	AccountId, Client, Error,
};
use serde::Serialize;

use crate::context::{parse_account, After, Context, Output};

#[derive(clap::Subcommand)]
pub enum Command {
	/// Commands the signer sends.
	#[command(flatten)]
	Tx(Tx),
	/// An account's stake: its positions as a delegator, and as an executor its stake and terms.
	Status {
		/// SS58 address; the signer's by default.
		account: Option<String>,
	},
	/// Every executor's stake, the highest first (validators marked).
	Executors,
}

/// The transactions of a delegator (and an executor's commission).
#[derive(clap::Subcommand)]
pub enum Tx {
	/// Delegate OPG to an executor: it adds to its stake and earns a share of its fees.
	Delegate {
		/// The executor (SS58).
		executor: String,
		/// Amount (OPG).
		amount: String,
	},
	/// Undelegate from an executor (everything without an amount); withdraw it after the delay.
	Undelegate {
		/// The executor (SS58).
		executor: String,
		/// Amount (OPG); everything if left out.
		amount: Option<String>,
	},
	/// Withdraw what was undelegated from an executor, once unlocked.
	Withdraw {
		/// The executor (SS58).
		executor: String,
	},
	/// Set the signer's commission as an executor (percent): lower at once, higher after a delay.
	Commission {
		/// Percent of the delegators' share, e.g. `5` or `2.5`.
		percent: String,
	},
}

/// An account's stake as an executor (`null` if it is none) and its positions as a delegator.
#[derive(Serialize)]
struct Account {
	account: AccountId,
	executor: Option<ExecutorStake>,
	positions: Vec<Position>,
}

async fn account(client: &Client, who: AccountId) -> Result<Account, Error> {
	Ok(Account {
		executor: client.stake(&who).await?,
		positions: client.positions(&who).await?,
		account: who,
	})
}

fn show_stake(s: &ExecutorStake) -> String {
	let role = if s.validator { "validator" } else { "not validating" };
	let state = match s.status {
		ExecutorStatus::Active => "active".to_string(),
		ExecutorStatus::Unbonding { unlocks_at } => format!("unbonding until #{unlocks_at}"),
	};
	let next = match s.next_commission {
		Some(next) => format!(", {} from #{}", format_percent(next.perbill), next.from),
		None => String::new(),
	};
	format!(
		"{} {state} ({role}): stake {}\n  bond        {}\n  delegated   {} by {} delegators ({} \
		 unbonding)\n  commission  {}{next}\n  earned      {} (delegators: {})\n",
		s.executor,
		format_opg(s.stake),
		format_opg(s.bond),
		format_opg(s.delegated),
		s.delegators,
		format_opg(s.unbonding),
		format_percent(s.commission_perbill),
		format_opg(s.earned),
		format_opg(s.delegator_rewards)
	)
}

fn show_position(p: &Position) -> String {
	let unbonding = match p.unlocks_at {
		Some(at) => format!(", {} unbonding until #{at}", format_opg(p.unbonding)),
		None => String::new(),
	};
	format!(
		"  with {}: {} active ({} of the pool){unbonding}\n",
		p.executor,
		format_opg(p.active),
		format_percent(p.share_perbill)
	)
}

fn show_account(a: &Account) -> String {
	let mut text = a.executor.as_ref().map(show_stake).unwrap_or_default();
	if a.positions.is_empty() {
		text.push_str(&format!("{} delegates to nobody\n", a.account));
	} else {
		text.push_str(&format!("{} delegates:\n", a.account));
		a.positions.iter().for_each(|p| text.push_str(&show_position(p)));
	}
	text
}

pub async fn run(command: Command, ctx: &Context) -> Result<Output, Error> {
	let tx_command = match command {
		Command::Tx(tx) => tx,
		Command::Status { account: given } => {
			let who = ctx.account(given.as_deref())?;
			let account = account(ctx.client().await?, who).await?;
			return Output::of(&account, show_account);
		}
		Command::Executors => {
			let all = ctx.client().await?.stakes().await?;
			return Output::of(&all, |all| all.iter().map(show_stake).collect());
		}
	};
	let signer = ctx.signer()?;
	let client = ctx.client().await?;
	let tx = ctx.progress().tx();
	let included = match tx_command {
		Tx::Delegate { executor, amount } => {
			let (executor, amount) = (parse_account(&executor)?, parse_opg(&amount)?);
			client.delegate(&signer, &executor, amount, tx).await?
		}
		Tx::Undelegate { executor, amount } => {
			let executor = parse_account(&executor)?;
			let amount = amount.as_deref().map(parse_opg).transpose()?;
			client.undelegate(&signer, &executor, amount, tx).await?
		}
		Tx::Withdraw { executor } => {
			client.withdraw_delegation(&signer, &parse_account(&executor)?, tx).await?
		}
		Tx::Commission { percent } => {
			client.set_commission(&signer, parse_percent(&percent)?, tx).await?
		}
	};
	let then = account(client, opg_client::keys::account(&signer)).await?;
	Output::of(&After { included: &included, then }, |after| {
		format!("in block #{}:\n{}", after.included.block_number, show_account(&after.then))
	})
}
