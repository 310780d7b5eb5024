// The message inspector behind `openpsso inspect`, re-exported in one place.

export * from './inspect-message.js';
export * from './format-report.js';
export * from './run-inspect.js';
