// Nest's decorators need the Reflect metadata API before any module is imported.
import 'reflect-metadata';
// @rekog/mcp-nest is CommonJS requiring ESM-only Nest 12; loading it once up front, outside the
// test module graph, keeps Jest from seeing that require() as a cycle.
import '@rekog/mcp-nest';
