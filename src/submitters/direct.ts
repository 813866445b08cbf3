import type { Signer } from "ethers";
import type { Pending, SubmittableTx, Submitter, TxOptions } from "./submitter";

/**
 * Sends straight to the JSON-RPC node the signer is connected to. A transaction the chain would refuse fails at gas
 * estimation with the contract's revert data, which src/ops/chain-error decodes.
 *
 * One signer's transactions are sent one after another, in the order `submit` was called, each once the previous one
 * was accepted; only the waiting for receipts overlaps. So callers may run many actions of one signer at once: nonces
 * come out in call order, which an automining node requires (it refuses a nonce that would have to queue).
 */
class DirectSubmitter implements Submitter {
  private readonly lanes = new WeakMap<Signer, Promise<unknown>>();

  submit(signer: Signer, tx: SubmittableTx, options: TxOptions = {}): Promise<Pending> {
    const previous = this.lanes.get(signer) ?? Promise.resolve();
    const sent = previous
      .catch(() => undefined)
      .then(async () => {
        // A known limit: one eth_call shows a refusal (with its revert data) as an estimate would, at a tenth the cost.
        if (options.gasLimit !== undefined) await signer.call({ ...tx, gasLimit: options.gasLimit });
        return signer.sendTransaction({
          ...tx,
          ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
          ...(options.gasLimit === undefined ? {} : { gasLimit: options.gasLimit }),
        });
      });
    this.lanes.set(signer, sent);
    return sent.then((response) => ({
      async wait() {
        return (await response.wait())!;
      },
    }));
  }
}

export const directSubmitter: Submitter = new DirectSubmitter();
