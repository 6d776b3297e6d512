/**
 * Teams, a fallback team and an admin, for the tests of the bug pipeline and the Slack app: the SME team
 * (Ana, Bo) owns hms-sme, the dev team (Dee) owns hms-dev, platform (Ivy) gets what nobody claims.
 */
export const PEOPLE = {
  ana: "U0ANA",
  bo: "U0BO",
  dee: "U0DEE",
  ivy: "U0IVY",
  admin: "U0ADMIN",
  stranger: "U0STRANGER",
} as const;

export const CHANNELS = { bugs: "C0BUGS", sme: "C0SME", platform: "C0PLAT" } as const;

export const TEAMS_CONFIG = `teams:
  sme-team:
    name: SME team
    components: [hms-sme, hms-esr]
    channel: ${CHANNELS.sme}
    members:
      - { slack: ${PEOPLE.ana}, github: ana, name: Ana Ruiz }
      - { slack: ${PEOPLE.bo}, github: bo, name: Bo Chen }
  dev-team:
    components: [hms-dev]
    members:
      - { slack: ${PEOPLE.dee}, github: dee }
  platform:
    channel: ${CHANNELS.platform}
    members:
      - { slack: ${PEOPLE.ivy}, github: ivy }
triage:
  fallbackTeam: platform
admins: [${PEOPLE.admin}]
`;

/** A report triage routes to hms-sme by its path, with a signature of a known root cause. */
export const SME_REPORT = `Users page crashes after deploy
PG::UndefinedTable: ERROR:  relation "users" does not exist
  from SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb:1`;

/** Nothing in it points at a component: needs-triage. */
export const VAGUE_REPORT = "Something is off since this morning, please have a look";
