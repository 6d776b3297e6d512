// The operations of the transition property test, shared by the test process and its second process.
import { cleanupEnvironment, extendEnvironment } from "../../dist/envs/lifecycle.js";
import { provision } from "../../dist/envs/provision.js";
import { reconcile, settleDue } from "../../dist/envs/reconcile.js";

/** Runs one operation: { kind, id?, component? }; returns the environment id it made or touched. */
export async function operate(context, op) {
  switch (op.kind) {
    case "provision": {
      const env = await provision(context, { component: op.component, branch: "main", owner: "prop" });
      return env.id;
    }
    case "extend":
      return (await extendEnvironment(context, op.id, "1h", "prop")).id;
    case "cleanup":
      return (await cleanupEnvironment(context, op.id, "manual", "prop")).id;
    case "expire":
      // As if its deadline had passed: moved back under the lock, then the due work done.
      await context.store.update((state) => {
        const env = state.environments.find((candidate) => candidate.id === op.id);
        if (env?.status === "ready") env.expiresAt = new Date(Date.now() - 1000).toISOString();
      });
      await settleDue(context);
      return op.id;
    case "reconcile":
      await reconcile(context);
      return null;
    default:
      throw new Error(`unknown operation ${op.kind}`);
  }
}
