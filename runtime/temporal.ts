import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { EncryptionCodec } from './codec';
import type { Config } from './config';

/**
 * Where Temporal is. Embedded default: the dev server we start on TEMPORAL_PORT.
 * With TEMPORAL_ADDRESS set, the standard Temporal environment variables
 * (TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE ...) apply.
 */
export function connectionOptions(config: Config, address?: string): NativeConnectionOptions {
  if (address) return { address };
  if (config.temporalAddress) {
    const { connectionOptions } = loadClientConnectConfig();
    return { ...connectionOptions, address: config.temporalAddress };
  }
  return { address: `127.0.0.1:${config.temporalPort}` };
}

/** The module of our failure converter; the workflow bundle is built with it too. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function dataConverter(config: Config): DataConverter {
  // Failure messages and stack traces travel encrypted too (as an encoded attribute):
  // a failure's words may quote what a case holds.
  return { payloadCodecs: [new EncryptionCodec(config.payloadKeys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * For replays: reads the history's payloads as the service does, but leaves the
 * payloads of the commands the code produces as they are. A replay compares the
 * commands with the history by kind and sequence and sends nothing anywhere, so
 * encrypting and compressing them again (a tenth of a replay's time) is wasted.
 */
export function replayDataConverter(config: Config): DataConverter {
  const codec = new EncryptionCodec(config.payloadKeys);
  return {
    payloadCodecs: [{ encode: async (payloads) => payloads, decode: (payloads) => codec.decode(payloads) }],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

export async function connectWorker(config: Config, address?: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config, address));
}

/** One long-lived client; the connection is made on first use, so the API starts even while Temporal is down. */
export function createClient(config: Config, address?: string): Client {
  const options = connectionOptions(config, address);
  const connection = Connection.lazy({ address: options.address, tls: options.tls, apiKey: options.apiKey, metadata: options.metadata });
  return new Client({ connection, namespace: config.namespace, dataConverter: dataConverter(config) });
}

/**
 * Registers the case search attributes on a cluster that lacks them (the embedded dev
 * server gets them from the CLI at start). Needs operator rights; without them the
 * attributes must be created by the cluster's operators (see README).
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { IndexedValueType } = temporal.api.enums.v1;
  const wanted: Record<string, number> = {};
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    wanted[name] = type === 'KeywordList' ? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  }
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => !(name in (existing.customAttributes ?? {}))));
  if (Object.keys(missing).length > 0) await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return Object.keys(missing);
}
