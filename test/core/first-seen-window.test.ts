// FirstSeenWindow: what "first seen in the last N" counts at the edges: expiry, long idle gaps, removal, late arrivals.
import { describe, expect, test } from "bun:test";
import { FirstSeenWindow } from "../../src/core/first-seen-window.ts";

const SPAN = 10_000;
const T0 = 1_700_000_000_000;

describe("expiry", () => {
  test("items count for the span after their second, then leave", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0);
    w.add(T0 + 500);
    w.add(T0 + 3_000);
    expect(w.count(T0 + 3_000)).toBe(3);
    // Window is (now - span, now]: at exactly T0 + span the items of second T0 are out.
    expect(w.count(T0 + SPAN - 1)).toBe(3);
    expect(w.count(T0 + SPAN)).toBe(1);
    expect(w.count(T0 + 3_000 + SPAN - 1)).toBe(1);
    expect(w.count(T0 + 3_000 + SPAN)).toBe(0);
  });

  test("an item already older than the window is not counted", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0);
    expect(w.count(T0)).toBe(1);
    w.add(T0 - SPAN - 1_000);
    w.add(T0 - SPAN);
    expect(w.count(T0)).toBe(1);
  });

  test("counts with n add up, and asking twice changes nothing", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0, 5);
    w.add(T0 + 1_000, 2);
    expect(w.count(T0 + 1_000)).toBe(7);
    expect(w.count(T0 + 1_000)).toBe(7);
    expect(w.count(T0 + SPAN)).toBe(2);
    expect(w.count(T0 + SPAN)).toBe(2);
  });

  test("a day-long window, as the service uses it", () => {
    const day = 24 * 60 * 60 * 1000;
    const w = new FirstSeenWindow(day);
    for (let h = 0; h < 48; h++) w.add(T0 + h * 3_600_000);
    expect(w.count(T0 + 47 * 3_600_000)).toBe(24);
    expect(w.count(T0 + 47 * 3_600_000 + 1)).toBe(24);
    expect(w.count(T0 + 48 * 3_600_000)).toBe(23);
  });
});

describe("idle gaps", () => {
  test("after a gap longer than the window everything has left, and new items count normally", () => {
    const w = new FirstSeenWindow(SPAN);
    for (let i = 0; i < 20; i++) w.add(T0 + i * 700);
    // Cutoff second is T0+3 s; items from i = 6 (T0+4.2 s) on are inside.
    expect(w.count(T0 + 19 * 700)).toBe(14);
    const later = T0 + 50 * SPAN + 123;
    expect(w.count(later)).toBe(0);
    w.add(later);
    w.add(later - 2_000);
    expect(w.count(later)).toBe(2);
  });

  test("a gap of exact multiples of the ring size does not resurrect old slots", () => {
    const w = new FirstSeenWindow(SPAN);
    // The ring holds span/1000 + 2 one-second slots.
    const ring = (SPAN / 1000 + 2) * 1000;
    w.add(T0);
    expect(w.count(T0)).toBe(1);
    for (const k of [1, 2, 7, 1000]) {
      const at = T0 + k * ring;
      w.add(at);
      expect(w.count(at)).toBe(1);
    }
  });

  test("a gap with no count() calls in between still expires what it must", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0);
    w.add(T0 + 4_000);
    w.add(T0 + 3 * SPAN);
    expect(w.count(T0 + 3 * SPAN)).toBe(1);
  });
});

describe("remove", () => {
  test("removing an item in the window takes it out", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0);
    w.add(T0 + 2_000);
    w.remove(T0 + 2_000);
    expect(w.count(T0 + 2_000)).toBe(1);
  });

  test("moving an item earlier (remove then add) keeps one count and dates it by the new second", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0 + 5_000);
    w.remove(T0 + 5_000);
    w.add(T0 + 1_000);
    expect(w.count(T0 + 5_000)).toBe(1);
    expect(w.count(T0 + 1_000 + SPAN)).toBe(0);
  });

  test("removing what has expired, or was never there, changes nothing", () => {
    const w = new FirstSeenWindow(SPAN);
    w.add(T0);
    w.add(T0 + SPAN + 5_000);
    expect(w.count(T0 + SPAN + 5_000)).toBe(1);
    w.remove(T0);
    expect(w.count(T0 + SPAN + 5_000)).toBe(1);
    // Same slot as an item in the window, different second: must not touch it.
    const ring = (SPAN / 1000 + 2) * 1000;
    w.remove(T0 + SPAN + 5_000 - ring);
    w.remove(T0 + SPAN + 4_000);
    expect(w.count(T0 + SPAN + 5_000)).toBe(1);
  });
});

describe("late arrivals", () => {
  test("an item from just beyond the window, arriving late, never hides a current one", () => {
    // The day-long window of the service: a replayed message from 24 h + 2 s ago lands
    // in the same ring slot as one from now.
    const day = 24 * 60 * 60 * 1000;
    const w = new FirstSeenWindow(day);
    const now = T0;
    expect(w.count(now - 10_000)).toBe(0);
    w.add(now);
    w.add(now - day - 2_000);
    expect(w.count(now)).toBe(1);
  });

  test("the same with a short window and no count() before the late item", () => {
    const w = new FirstSeenWindow(SPAN);
    const ring = (SPAN / 1000 + 2) * 1000;
    w.add(T0 + ring);
    w.add(T0);
    expect(w.count(T0 + ring)).toBe(1);
  });
});
