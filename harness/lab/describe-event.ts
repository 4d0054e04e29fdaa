// The one-line text of a lab event, as results report what was applied
// (Observations.applied[].what): the same words on every target.
import type { EventSpec } from './model.js';
import { endpointWords } from '../tools/ip.js';

/** What the event does, in the words of the lab format. */
export function describeEvent(e: EventSpec): string {
  switch (e.action) {
    case 'link-down':
    case 'link-up':
      return `${e.action} ${e.link}`;
    case 'endpoint-add':
      return `endpoint-add ${e.host} ${endpointWords(e.endpoint).join(' ')}`;
    case 'endpoint-delete':
      return `endpoint-delete ${e.host} ${e.id !== undefined ? `id ${e.id}` : e.address}`;
    case 'endpoint-flush':
      return `endpoint-flush ${e.host}`;
    case 'backup':
      return `${e.backup ? 'backup' : 'nobackup'} ${e.host} ${e.id !== undefined ? `id ${e.id}` : e.address}`;
    case 'impair':
      return `impair ${e.link}${e.from ? ` from ${e.from}` : ''} ${JSON.stringify(e.impairment)}`;
    case 'shell':
      return `shell ${e.host}: ${typeof e.command === 'string' ? e.command : 'step'}`;
  }
}
