import { describe, expect, it } from "vitest";
import { DEFAULT_COMPONENTS } from "../../../src/config/defaults.js";
import { createComponentDetector } from "../../../src/triage/components.js";
import { createDuplicateIndex, type OpenBug } from "../../../src/triage/duplicates.js";
import { createRootCauseIndex } from "../../../src/triage/root-cause/index.js";
import { signaturePattern } from "../../../src/triage/root-cause/signatures.js";
import { compilePhrase, tokenize } from "../../../src/triage/text.js";
import { createEngine, entry, NO_ROTATION, NOW, report, shippedEntries } from "./support.js";

/**
 * Bug reports as teams write them in their own language: each with a near-identical retelling (other
 * case, punctuation, a word or two changed, another Unicode form) and an unrelated report in the same
 * language that must not be taken for it.
 */
const LANGUAGES = [
  {
    language: "Russian",
    report:
      "Экспорт отчётов падает при сохранении счёта клиента, ошибка таймаута базы данных в модуле расчётов",
    retold:
      "ЭКСПОРТ ОТЧЁТОВ падает при сохранении счёта клиента: ошибка таймаута базы данных (модуль расчётов)",
    unrelated: "Не открывается страница настроек профиля пользователя после обновления браузера",
  },
  {
    language: "Chinese",
    report: "导出报表时保存客户发票失败，数据库连接超时，结算模块报错",
    retold: "导出报表的时候保存客户发票失败了，数据库连接超时，结算模块报错。",
    unrelated: "升级浏览器以后用户个人设置页面打不开，一直显示空白",
  },
  {
    language: "Greek",
    report:
      "Η εξαγωγή αναφορών αποτυγχάνει κατά την αποθήκευση τιμολογίου πελάτη, λήξη χρόνου βάσης δεδομένων",
    retold:
      "Η ΕΞΑΓΩΓΗ ΑΝΑΦΟΡΩΝ ΑΠΟΤΥΓΧΑΝΕΙ κατά την αποθήκευση τιμολογίου πελάτη: λήξη χρόνου βάσης δεδομένων!",
    unrelated: "Η σελίδα ρυθμίσεων προφίλ χρήστη δεν ανοίγει μετά την ενημέρωση του προγράμματος περιήγησης",
  },
  {
    language: "French",
    report:
      "L'export des relevés échoue à l'enregistrement de la facture client : délai d'attente dépassé sur la base de données",
    // Decomposed accents (e + U+0301), as some editors and terminals paste them.
    retold:
      "L'export des rele\u0301ve\u0301s e\u0301choue a\u0300 l'enregistrement de la facture client, de\u0301lai d'attente de\u0301passe\u0301 (base de données)",
    unrelated:
      "La page des préférences du profil utilisateur ne s'ouvre plus après la mise à jour du navigateur",
  },
  {
    language: "German",
    report:
      "Der Berichtsexport schlägt beim Speichern der Kundenrechnung fehl: Zeitüberschreitung der Datenbankverbindung im Abrechnungsmodul",
    retold:
      "Berichtsexport schlägt beim Speichern der Kundenrechnung fehl, Zeitüberschreitung der Datenbankverbindung im Abrechnungsmodul!",
    unrelated: "Die Seite mit den Profileinstellungen öffnet sich nach dem Browser-Update nicht mehr",
  },
];

const english: OpenBug[] = [
  { id: "BUG-7", title: "vite dev server won't start", text: report("dev-eaddrinuse") },
  { id: "BUG-9", title: "protoc missing", text: report("sys-protoc") },
];

describe("reports in other languages", () => {
  const bugs: OpenBug[] = [
    ...english,
    ...LANGUAGES.flatMap(({ language, report, unrelated }) => [
      { id: `BUG-${language}`, title: report.slice(0, 40), text: report },
      { id: `BUG-${language}-other`, title: unrelated.slice(0, 40), text: unrelated },
    ]),
  ];
  const index = createDuplicateIndex(bugs);

  it.each(LANGUAGES)("finds the same $language report as a duplicate", ({ language, report }) => {
    const [match, ...others] = index.find(report, { threshold: 0.6 });
    expect(match).toMatchObject({ id: `BUG-${language}` });
    expect(match?.similarity).toBeGreaterThanOrEqual(0.9);
    expect(others).toEqual([]);
  });

  it.each(LANGUAGES)("finds a retold $language report as a duplicate", ({ language, retold }) => {
    const [match, ...others] = index.find(retold, { threshold: 0.6 });
    expect(match).toMatchObject({ id: `BUG-${language}` });
    expect(others).toEqual([]);
  });

  it.each(LANGUAGES)("does not take an unrelated $language report for it", ({ language, unrelated }) => {
    const found = index.find(unrelated, { threshold: 0.6 }).map((match) => match.id);
    expect(found).toEqual([`BUG-${language}-other`]);
  });

  it("says so in the decision, as for an English report", () => {
    const [russian] = LANGUAGES;
    const decision = createEngine(bugs).decide(
      { text: russian?.report ?? "", reporter: "U01BO" },
      NO_ROTATION,
      NOW,
    );
    expect(decision.duplicates[0]?.id).toBe("BUG-Russian");
    expect(decision.duplicates[0]?.similarity).toBeGreaterThanOrEqual(0.9);
  });
});

describe("a root-cause entry written in German", () => {
  const german = entry({
    id: "RC-DE-001",
    component: "hms-esr",
    title: "Zeitüberschreitung der Datenbankverbindung beim Speichern der Kundenrechnung",
    signatures: ["Zeitüberschreitung der Datenbankverbindung"],
    symptoms: ["Berichtsexport schlägt fehl", "Kundenrechnung wird nicht gespeichert"],
    rootCause: "Der Verbindungspool des Abrechnungsmoduls ist zu klein.",
    fix: "Poolgröße erhöhen.",
    tags: ["datenbank", "abrechnung"],
  });
  const index = createRootCauseIndex([...shippedEntries(), german]);

  it("matches a German report by its signature, in any case", () => {
    const [first] = index.rank(
      "Berichtsexport: ZEITÜBERSCHREITUNG DER DATENBANKVERBINDUNG beim Speichern, seit gestern",
    );
    expect(first).toMatchObject({ id: "RC-DE-001", signatureHits: 1 });
    expect(first?.score).toBeGreaterThanOrEqual(0.7);
  });

  it("matches a German report by its words when no signature does", () => {
    const [first] = index.rank(
      "Der Berichtsexport schlägt fehl und die Kundenrechnung wird nicht gespeichert",
    );
    expect(first).toMatchObject({ id: "RC-DE-001", signatureHits: 0 });
  });

  it("does not match a longer word that only starts with the signature", () => {
    expect(
      index.rank("Zeitüberschreitung der Datenbankverbindungsprüfung").map((hit) => hit.signatureHits),
    ).not.toContain(1);
  });
  it("matches signatures that start or end in an umlaut or ß as whole words only", () => {
    const edges = createRootCauseIndex([
      entry({ id: "RC-DE-002", signatures: ["Überlauf im Puffer"] }),
      entry({ id: "RC-DE-003", signatures: ["Anhang zu groß"] }),
    ]);
    expect([...edges.signatureHits("Fehler: ÜBERLAUF IM PUFFER, Anhang zu groß.").keys()].sort()).toEqual([
      "RC-DE-002",
      "RC-DE-003",
    ]);
    expect([...edges.signatureHits("Pufferüberlauf im Puffer; Anhang zu großartig").keys()]).toEqual([]);
  });
});

describe("component keywords in another language", () => {
  const esr = DEFAULT_COMPONENTS["hms-esr"];
  if (esr === undefined) throw new Error("hms-esr is a default component");
  const detect = createComponentDetector({
    ...DEFAULT_COMPONENTS,
    "hms-esr": { ...esr, keywords: ["счёт", "Abrechnung", "結算"] },
  });
  const top = (text: string) => detect({ text }).components[0]?.component;

  it("route a report that uses them, in any case, as whole words", () => {
    expect(top("Не сохраняется СЧЁТ клиента")).toBe("hms-esr");
    expect(top("Die Abrechnung schlägt fehl")).toBe("hms-esr");
    expect(top("結算模块报错")).toBe("hms-esr");
  });

  it("do not match inside a longer word", () => {
    expect(top("Не работает счётчик посещений")).toBeUndefined();
    expect(top("Die Abrechnungsübersicht lädt nicht")).toBeUndefined();
  });
});

describe("words in any script", () => {
  it("keeps accented, Cyrillic and Greek words whole, in one case and one form, accents folded", () => {
    expect(tokenize("déploiement Fehlerübersicht ОШИБКА Βάσης ΒΑΣΗΣ ещё")).toEqual([
      "deploiement",
      "fehlerubersicht",
      "ошибка",
      "βασης",
      "βασης",
      "еще",
    ]);
    expect(tokenize("de\u0301ploiement ＥＲＲＯＲ ﬁle")).toEqual(["deploiement", "error", "file"]);
  });

  it("reads Chinese and Japanese runs as overlapping pairs, next to the other words", () => {
    expect(tokenize("数据库超时 ERR_TIMEOUT")).toEqual(["数据", "据库", "库超", "超时", "err_timeout"]);
    expect(tokenize("データベース接続")).toEqual(["デー", "ータ", "タベ", "ベー", "ース", "ス接", "接続"]);
  });

  it("anchors phrases at the words of any script, and not inside Chinese text", () => {
    expect(compilePhrase("ошибка").test("Ошибка: таймаут")).toBe(true);
    expect(compilePhrase("ошибка").test("сверхошибка")).toBe(false);
    expect(compilePhrase("Datenbank").test("Datenbankverbindung")).toBe(false);
    expect(compilePhrase("数据库超时").test("连接数据库超时了")).toBe(true);
  });

  it("finds every signature the linear scan finds, in reports mixing scripts", () => {
    const regexEntry = entry({
      id: "RC-RE-001",
      signatures: [
        { regex: "\\bfehler\\b", flags: "i" },
        { regex: "timeout\\s+\\d+", flags: "" },
      ],
    });
    const entries = [...shippedEntries(), regexEntry];
    const index = createRootCauseIndex(entries);
    for (const text of [
      "Fehlerübersicht: timeout 30",
      "éFehleré und 数据库 timeout 5",
      'ошибка PG::UndefinedTable: ERROR:  relation "счета" does not exist',
      "Das Paket ﬁle fehlt: error[E0463]: can't find crate for `std`",
    ]) {
      const scanned = entries
        .filter((candidate) =>
          candidate.signatures.some((signature) => signaturePattern(signature).test(text)),
        )
        .map((candidate) => candidate.id)
        .sort();
      expect([...index.signatureHits(text).keys()].sort(), text).toEqual(scanned);
    }
  });
});
