import { describe, expect, it } from "vitest";
import { chooseAssignee } from "../../../src/triage/assignee.js";
import type { RotationState } from "../../../src/triage/types.js";
import { NO_ROTATION, NOW, TEAMS } from "./support.js";

const sme = TEAMS["sme-team"] as NonNullable<(typeof TEAMS)["sme-team"]>;
const dev = TEAMS["dev-team"] as NonNullable<(typeof TEAMS)["dev-team"]>;
const sys = TEAMS["sys-team"] as NonNullable<(typeof TEAMS)["sys-team"]>;

const rotation = (
  lastAssigned: Record<string, string>,
  openLoad: Record<string, number> = {},
): RotationState => ({
  lastAssigned,
  openLoad,
});

describe("round-robin", () => {
  it("takes the next person and says whom it skipped and why", () => {
    const choice = chooseAssignee({ teamId: "sme-team", team: sme, rotation: NO_ROTATION, now: NOW });
    expect(choice.assignee).toMatchObject({ slack: "U01BO", handle: "@bo", name: "Bo Chen" });
    expect(choice.method).toBe("round-robin");
    expect(choice.explanation).toBe("next in sme-team rotation; skipped @ana (away until 2026-12-01)");
  });

  it("continues after whoever got the team's last bug, and wraps around", () => {
    const afterBo = chooseAssignee({
      teamId: "sme-team",
      team: sme,
      rotation: rotation({ "sme-team": "U01BO" }),
      now: NOW,
    });
    expect(afterBo.assignee?.slack).toBe("U01CY");
    expect(afterBo.explanation).toBe("next in sme-team rotation");
    const afterCy = chooseAssignee({
      teamId: "sme-team",
      team: sme,
      rotation: rotation({ "sme-team": "U01CY" }),
      now: NOW,
    });
    expect(afterCy.assignee?.slack).toBe("U01BO");
  });

  it("takes someone back on the day they return", () => {
    const back = new Date("2026-12-01T00:00:00Z");
    expect(
      chooseAssignee({ teamId: "sme-team", team: sme, rotation: NO_ROTATION, now: back }).assignee?.slack,
    ).toBe("U01ANA");
  });

  it("skips the reporter, by Slack ID or GitHub login in any case", () => {
    for (const reporter of ["U01BO", "BO"]) {
      const choice = chooseAssignee({
        teamId: "sme-team",
        team: sme,
        rotation: NO_ROTATION,
        now: NOW,
        reporter,
      });
      expect(choice.assignee?.slack).toBe("U01CY");
      expect(choice.explanation).toBe(
        "next in sme-team rotation; skipped @ana (away until 2026-12-01), @bo (reporter)",
      );
    }
  });

  it("skips people at capacity, counting their open bugs", () => {
    const choice = chooseAssignee({
      teamId: "sme-team",
      team: sme,
      rotation: rotation({ "sme-team": "U01BO" }, { U01CY: 2 }),
      now: NOW,
    });
    expect(choice.assignee?.slack).toBe("U01BO");
    expect(choice.explanation).toBe(
      "next in sme-team rotation; skipped @cy (at capacity 2/2), @ana (away until 2026-12-01)",
    );
  });

  it("skips the current assignee on a re-roll", () => {
    const choice = chooseAssignee({
      teamId: "sme-team",
      team: sme,
      rotation: rotation({ "sme-team": "U01ANA" }),
      now: NOW,
      currentAssignee: "U01BO",
    });
    expect(choice.assignee?.slack).toBe("U01CY");
    expect(choice.skipped.map(({ member, reason }) => [member.handle, reason])).toEqual([
      ["@bo", "current assignee"],
    ]);
  });

  it("assigns nobody when nobody can take it, and says so", () => {
    const choice = chooseAssignee({
      teamId: "sys-team",
      team: sys,
      rotation: NO_ROTATION,
      now: NOW,
      reporter: "gus",
    });
    expect(choice).toMatchObject({ assignee: null, method: "none" });
    expect(choice.explanation).toBe(
      "nobody in sys-team can take it now; skipped @gus (reporter), @hal (away until 2027-01-15); an admin has to assign it",
    );
  });
});

describe("least-loaded", () => {
  it("takes the person with the fewest open bugs", () => {
    const choice = chooseAssignee({
      teamId: "dev-team",
      team: dev,
      rotation: rotation({}, { U02DEE: 3, U02ED: 1, U02FLO: 2 }),
      now: NOW,
    });
    expect(choice.assignee?.slack).toBe("U02ED");
    expect(choice.explanation).toBe("least loaded in dev-team (1 open bug)");
  });

  it("breaks ties by taking turns", () => {
    const tie = rotation({ "dev-team": "U02ED" }, { U02DEE: 0, U02ED: 0, U02FLO: 0 });
    expect(chooseAssignee({ teamId: "dev-team", team: dev, rotation: tie, now: NOW }).assignee?.slack).toBe(
      "U02FLO",
    );
  });

  it("lists everyone it could not consider", () => {
    const choice = chooseAssignee({
      teamId: "dev-team",
      team: dev,
      rotation: rotation({}, { U02FLO: 5 }),
      now: NOW,
      reporter: "U02DEE",
    });
    expect(choice.assignee?.slack).toBe("U02ED");
    expect(choice.explanation).toBe("least loaded in dev-team (0 open bugs); skipped @dee (reporter)");
  });
});

describe("manual assignment", () => {
  it("is reported as it is and never replaced, even for someone away or at capacity", () => {
    const choice = chooseAssignee({
      teamId: "sme-team",
      team: sme,
      rotation: rotation({}, { U01CY: 9 }),
      now: NOW,
      manualAssignee: "U01ANA",
      currentAssignee: "U01ANA",
    });
    expect(choice).toMatchObject({ method: "manual", assignee: { slack: "U01ANA" }, skipped: [] });
    expect(choice.explanation).toBe("assigned by hand to @ana; the rotation does not override it");
  });

  it("keeps someone outside the team as given", () => {
    const choice = chooseAssignee({
      teamId: "sme-team",
      team: sme,
      rotation: NO_ROTATION,
      now: NOW,
      manualAssignee: "U09ZED",
    });
    expect(choice.assignee).toEqual({ slack: "U09ZED", name: "U09ZED", handle: "@U09ZED" });
  });
});
