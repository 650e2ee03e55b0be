import { spawn } from 'node:child_process';

export interface ProgramRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end without blocking the event loop: the coordinator under test often
 * answers it from this same process. `stdin` is written and closed; without it stdin is empty.
 */
export function runProgram(
  file: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string>; stdin?: string },
): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined); // a program may exit before reading its input
    child.stdin.end(options.stdin ?? '');
  });
}
