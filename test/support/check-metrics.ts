import { spawn } from 'node:child_process';
import { requireBinary } from './require-binary.js';

/** Prometheus's `promtool`, or undefined (outside CI) when it is not installed. */
export const promtool = requireBinary('promtool', {
  paths: ['/usr/bin/promtool'],
  install: 'apt-get install -y prometheus',
});

/** Runs `promtool check metrics` on `text`: its exit code and what it printed. */
export function checkMetrics(path: string, text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** The value of one series (`name{labels}` exactly as exposed) in Prometheus text, or undefined. */
export const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
