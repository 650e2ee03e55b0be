import type { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { PresenceService } from './presence.service.js';
import type { PresenceStore } from './presence.store.js';

describe('PresenceService.statusOf', () => {
  const config = Object.assign(new AppConfig(), { C3PO_ONLINE_WINDOW_S: 90 });
  const presence = new PresenceService({} as PresenceStore, config, {} as AuditService);
  const now = 1_000_000_000;

  it('is online when seen within the window', () => {
    expect(presence.statusOf({ last_seen: String(now - 90_000) }, now)).toBe('online');
  });

  it('is offline once the window has passed', () => {
    expect(presence.statusOf({ last_seen: String(now - 90_001) }, now)).toBe('offline');
  });

  it('is offline right after the session left, and online again once seen after leaving', () => {
    expect(presence.statusOf({ last_seen: String(now - 10), left_at: String(now - 10) }, now)).toBe('offline');
    expect(presence.statusOf({ last_seen: String(now - 5), left_at: String(now - 10) }, now)).toBe('online');
  });

  it('is offline when never seen', () => {
    expect(presence.statusOf({}, now)).toBe('offline');
  });
});
