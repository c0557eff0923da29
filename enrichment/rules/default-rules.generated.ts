// Generated from enrichment/rules/default.rules.yaml by enrichment/scripts/generate.ts. Do not edit.
import type { Rules } from './schema.js';

/** The bundled default rules (validated at generation time; the handler's fallback). */
export const DEFAULT_RULES: Rules = {
  name: 'api-connect-default',
  version: '1.0.0',
  description: 'Tags errors and slow calls, masks client IPs and bodies.',
  operations: [
    {
      op: 'tag',
      id: 'tag-server-error',
      when: 'api.status.code >= `500`',
      tag: 'server-error',
    },
    {
      op: 'tag',
      id: 'tag-client-error',
      when: 'api.status.code >= `400` && api.status.code < `500`',
      tag: 'client-error',
    },
    {
      op: 'set',
      id: 'derive-is-error',
      field: 'attributes.is_error',
      expr: 'api.status.code >= `400`',
    },
    {
      op: 'set',
      id: 'derive-slow',
      field: 'attributes.slow',
      expr: 'api.time_to_serve_request > `60`',
    },
    {
      op: 'redact',
      id: 'mask-client-ip',
      field: 'api.client_ip',
      mode: 'mask',
    },
    {
      op: 'redact',
      id: 'mask-immediate-client-ip',
      field: 'api.immediate_client_ip',
      mode: 'mask',
    },
    {
      op: 'redact',
      id: 'mask-request-body',
      field: 'api.request_body',
      mode: 'mask',
    },
    {
      op: 'redact',
      id: 'mask-response-body',
      field: 'api.response_body',
      mode: 'mask',
    },
    {
      op: 'route',
      id: 'route-errors',
      when: 'api.status.code >= `400`',
      route: 'errors',
    },
  ],
};
