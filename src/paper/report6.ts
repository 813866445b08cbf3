/** Table 6 beside Case B's sweep: a terminal table, sentences and a Markdown section. No I/O here. */
import { formatCount, formatTokens } from "../cli/format";
import { renderTable } from "../cli/table";
import { formatDecimal } from "../units";
import { MEASURES, printedOutcome, type Measure, type Table6Comparison } from "./table6";

const LABEL: Record<Measure, string> = {
  certIncome: "certificate income",
  windProfit: "total wind profit",
  generatorRevenue: "total generator revenue",
};

const tokens = (wei: bigint) => formatTokens(wei);
const wholeTokens = (wei: bigint) => formatCount(wei / 10n ** 18n);

function rows(cmp: Table6Comparison): string[][] {
  const out = cmp.pairs.map(({ paper, ours }) => {
    const printed = printedOutcome(paper);
    return [
      `${paper.certPrice} / ${ours?.certPrice ?? "—"}`,
      ...MEASURES.flatMap((m) => [wholeTokens(printed[m]), ours === undefined ? "—" : tokens(ours[m])]),
    ];
  });
  const second = (s: Record<Measure, bigint> | undefined, m: Measure, f: (v: bigint) => string) => (s === undefined ? "—" : f(s[m]));
  out.push(["second difference", ...MEASURES.flatMap((m) => [second(cmp.paperSecond, m, wholeTokens), second(cmp.oursSecond, m, tokens)])]);
  return out;
}

const HEADER = ["price (printed / ours)", ...MEASURES.flatMap((m) => [`${LABEL[m]} paper`, "ours"])];

/** What the second differences show, in sentences computed from them. */
export function table6Findings(cmp: Table6Comparison): string[] {
  if (cmp.paperSecond === undefined || cmp.oursSecond === undefined) {
    return ["Second differences need the sweep at three equally spaced prices (the default, 300,400,500)."];
  }
  const list = (s: Record<Measure, bigint>) => MEASURES.map((m) => `${LABEL[m]} ${formatDecimal(s[m], 18)}`).join(", ");
  const paperAffine = MEASURES.every((m) => cmp.paperSecond![m] === 0n);
  const oursAffine = MEASURES.every((m) => cmp.oursSecond![m] === 0n);
  return [
    "At equally spaced certificate prices a result that is affine in the price, y(P) = a + b·P, has second difference " +
      "y(P₃) − 2·y(P₂) + y(P₁) = 0.",
    `The printed columns have second differences (tokens) ${list(cmp.paperSecond)}: ` +
      (paperAffine ? "consistent with an affine model." : "no model whose results are affine in the certificate price can produce them."),
    `Ours have ${list(cmp.oursSecond)}: ` +
      (oursAffine
        ? "our Case B measures are affine in the price (the same certificates change hands at each price; X_thermal moves prices linearly)."
        : "our measures are not affine in the price either (matching changed between prices)."),
  ];
}

export function renderTable6(title: string, cmp: Table6Comparison): string {
  return [title, "", renderTable(HEADER, rows(cmp)), "", ...table6Findings(cmp)].join("\n");
}

export function table6Markdown(cmp: Table6Comparison): string {
  const line = (r: readonly string[]) => `| ${r.join(" | ")} |`;
  const align = HEADER.map((_, k) => (k === 0 ? "---" : "---:"));
  return [
    "## Case B against Table 6",
    "",
    "The table prints the certificate prices as 3, 4, 5; the text sets them at 300, 400 and 500 tokens, which the sweep uses.",
    "",
    line(HEADER),
    line(align),
    ...rows(cmp).map(line),
    "",
    ...table6Findings(cmp).map((f) => `- ${f}`),
  ].join("\n");
}
