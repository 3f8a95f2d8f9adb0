/** The daemon's persistence: resumable state (state-store) and the daily audit trail (journal). */
export { FileStateStore, MemoryStateStore, StateFileError } from "./state-store.ts";
export type { DailyState, OpenPosition, OpenResult, OrderRecord, OrderStatus, StateStore, StoreOptions, StoreState } from "./state-store.ts";
export { JOURNAL_EVENT_TYPES, Journal, JournalError, MemoryJournal, REDACTED, readJournal } from "./journal.ts";
export type { CompactReport, JournalDay, JournalEvent, JournalEventType, JournalFileOptions, JournalOptions, JournalPayload, JournalRecovery, JournalSink } from "./journal.ts";
export { Redactor } from "./redact.ts";
