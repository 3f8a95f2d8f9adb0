import type { ChaosReport } from "./run-chaos.ts";
import { compareTrades } from "./trade-diff.ts";

/** The chaos run's figures as lines to print; the last is the one-line summary, PASS or FAIL. */
export function chaosSummary(reference: ChaosReport, faulted: ChaosReport, seconds: number, stateDir: string): string[] {
  const diffs = compareTrades(reference.trades, faulted.trades, faulted.downWindows);
  const unexplained = diffs.filter((d) => d.explanation === null);
  const lines: string[] = [];
  lines.push(`kills: ${faulted.kills} (${Object.entries(faulted.killsByKind).map(([k, n]) => `${k} ${n}`).join(", ")}); restarts ${faulted.restarts}`);
  lines.push(`faults: ${Object.entries(faulted.faults).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  lines.push(`trades: reference ${reference.trades.length}, with faults ${faulted.trades.length}; differences ${diffs.length} (${diffs.length - unexplained.length} explained)`);
  for (const d of diffs) lines.push(`  ${d.kind} ${d.symbol} ${d.entryTime}: ${d.detail} -- ${d.explanation ?? "UNEXPLAINED"}`);
  for (const p of [...reference.problems, ...faulted.problems]) lines.push(`  problem: ${p}`);
  lines.push(`state dir of the faulted run: ${stateDir}`);
  const zero = faulted.duplicateClientOrderIds + faulted.ordersPlacedTwice + faulted.unknownBrokerPositions + faulted.fillsMissingFromJournal + faulted.unparseableStateFiles + faulted.refusedBySequencing + reference.refusedBySequencing;
  const ok = zero === 0 && unexplained.length === 0 && faulted.kills > 0;
  lines.push(
    `chaos ${ok ? "PASS" : "FAIL"}: kills survived ${faulted.kills}, duplicate client order ids ${faulted.duplicateClientOrderIds}, orders placed twice ${faulted.ordersPlacedTwice}, ` +
      `broker positions unknown to state ${faulted.unknownBrokerPositions}, fills missing from journal ${faulted.fillsMissingFromJournal}, state files unparseable ${faulted.unparseableStateFiles}, ` +
      `refused by sequencing ${reference.refusedBySequencing}/${faulted.refusedBySequencing}, ` +
      `trade differences ${diffs.length} (unexplained ${unexplained.length}), ${seconds.toFixed(0)} s`,
  );
  return lines;
}
