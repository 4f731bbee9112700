/** A one-line progress bar on stderr for the Node entry points (redrawn in place on a terminal). */
import type { EngineEvent } from '../src/engine/protocol';

export class ProgressBar {
  private readonly tty = process.stderr.isTTY === true;
  private lastPrint = 0;

  update(event: EngineEvent): void {
    if (event.type === 'stage-started') this.print(`${event.stage}: starting`, true);
    else if (event.type === 'stage-progress') this.print(this.describe(event), false);
    else if (event.type === 'stage-finished')
      this.print(
        `${event.stage}: done in ${event.seconds.toFixed(1)} s, ran ${event.method}${event.models?.length ? ` (${event.models.join(', ')})` : ''}`,
        true,
      );
    else if (event.type === 'warning') this.print(`warning: ${event.message}`, true);
  }

  private describe(e: Extract<EngineEvent, { type: 'stage-progress' }>): string {
    const width = 24;
    const filled = Math.round(Math.min(1, Math.max(0, e.fraction)) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const parts = [`${e.stage.padEnd(12)} ${bar} ${(e.fraction * 100).toFixed(0).padStart(3)}%`];
    if (e.etaSeconds !== undefined) parts.push(`eta ${e.etaSeconds.toFixed(0)} s`);
    if (e.activity !== undefined) parts.push(e.activity);
    if (e.step !== undefined) parts.push(`step ${e.step}`);
    if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
    if (e.psnr !== undefined) parts.push(`PSNR ${e.psnr.toFixed(2)} dB`);
    if (e.splats !== undefined) parts.push(`${e.splats.toLocaleString('en-US')} splats`);
    return parts.join('  ');
  }

  private print(line: string, final: boolean): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    } else if (final || Date.now() - this.lastPrint > 2000) {
      // Not a terminal (a log): a line every couple of seconds, not a flood.
      process.stderr.write(`${line}\n`);
      this.lastPrint = Date.now();
    }
  }
}
