/**
 * Pauses and resumes reading from a socket, each only when it changes something: resume() on a
 * socket that is not paused is not free (it may schedule a tick), and the hot path calls these.
 */
import type { Socket } from 'node:net';

export class ReadGate {
  private paused = false;

  constructor(private readonly socket: Socket) {}

  pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  resume(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }
}
