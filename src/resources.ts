/**
 * Calls to the backend's resource endpoints and the shape checks of their answers.
 */
import { MESSAGES } from './labels';
import { NodeInfo } from './types';

/** Turns whatever a failed request threw into a short reason. */
export function describeError(error: unknown): string {
  if (typeof error === 'string') {
    return error;
  }
  if (error && typeof error === 'object') {
    const candidate = error as {
      data?: { message?: unknown; error?: unknown };
      status?: unknown;
      statusText?: unknown;
      message?: unknown;
    };
    const message = candidate.data?.message ?? candidate.data?.error ?? candidate.message;
    const status = typeof candidate.status === 'number' ? `HTTP ${candidate.status}` : undefined;
    if (typeof message === 'string' && message !== '') {
      return status ? `${status}: ${message}` : message;
    }
    if (status) {
      return typeof candidate.statusText === 'string' && candidate.statusText !== ''
        ? `${status} ${candidate.statusText}`
        : status;
    }
  }
  return MESSAGES.unknownError;
}

function isNodeInfo(value: unknown): value is NodeInfo {
  if (!value || typeof value !== 'object') {
    return false;
  }
  const candidate = value as Record<string, unknown>;
  return typeof candidate.name === 'string' && typeof candidate.address === 'string';
}

/** Checks the answer of `GET resources/nodes`. */
export function parseNodesResponse(response: unknown): NodeInfo[] {
  if (!Array.isArray(response) || !response.every(isNodeInfo)) {
    throw new Error(MESSAGES.nodesBadResponse);
  }
  return response.map(({ name, address }) => ({ name, address }));
}
