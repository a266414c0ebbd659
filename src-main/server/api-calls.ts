import type { IncomingMessage, ServerResponse } from 'node:http';
import { callNameForChannel } from '../../src-shared/contracts/api.js';
import { dispatchCall } from '../../src-shared/contracts/dispatch.js';
import type { CallOutcome } from '../../src-shared/contracts/define.js';
import type { WorkbenchServices } from '../services/workbench-services.js';
import { RequestRefusal, decodeComponent } from './request-checks.js';
import { sendJson } from './responses.js';

const maximumBodyBytes = 1_000_000;

function statusForOutcome(outcome: CallOutcome<unknown>): number {
  if (outcome.ok) return 200;
  switch (outcome.error.code) {
    case 'invalid-arguments':
      return 400;
    case 'unknown-call':
      return 404;
    case 'forbidden':
      return 403;
    case 'failed':
      // The call reached its service and the envelope says how it ended; a 5xx would also make browsers log it.
      return 200;
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const tooLarge = new RequestRefusal(413, `The request body is larger than ${maximumBodyBytes} bytes.`);
  if (Number(request.headers['content-length'] ?? 0) > maximumBodyBytes) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maximumBodyBytes) throw tooLarge;
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof RequestRefusal) throw error;
    throw new RequestRefusal(400, 'The request body ended before it was complete.');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestRefusal(400, 'The request body is not valid JSON.');
  }
}

/** Answers `POST /api/<channel>`: the channel and body are checked here, the arguments by the contract. */
export async function answerApiCall(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  services: WorkbenchServices,
): Promise<void> {
  const channel = decodeComponent(url.pathname.slice('/api/'.length), 'call name');
  if (request.method !== 'POST') {
    throw new RequestRefusal(405, 'API calls use POST with a JSON body.');
  }
  if (callNameForChannel(channel) === undefined) {
    throw new RequestRefusal(404, `"${channel}" is not a workbench call.`);
  }
  const body = await readJsonBody(request);
  const outcome = await dispatchCall(services.handlers, channel, body);
  sendJson(response, statusForOutcome(outcome), outcome);
}
