import type { BrokerPort } from "../broker/port.ts";
import { createAlpacaClient, type AlpacaClientOptions } from "./alpaca/client.ts";
import { alpacaPort } from "./alpaca/port.ts";

/** Which adapter, and its connection settings. A second broker adds its own case here. */
export type BrokerConnection = { readonly kind: "alpaca" } & AlpacaClientOptions;

/**
 * The one place the composition roots (run-local, run-remote, the chaos child) turn connection
 * settings into a broker port; the daemon itself sees only the port (src/broker/port.ts).
 */
export function openBroker(c: BrokerConnection): BrokerPort {
  switch (c.kind) {
    case "alpaca":
      return alpacaPort(createAlpacaClient(c));
  }
}
