import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from './prng';

/**
 * Generates realistic chat-completions batch files: multilingual text (English, accented Latin, Cyrillic,
 * Greek, Arabic, Hindi, CJK), emoji (including ZWJ sequences and flags), and quotes, newlines, tabs and
 * backslashes that JSON has to escape. Output is deterministic for a given spec, and cached on disk.
 */

/** Bumped whenever the generator's output changes, so stale cached files are rebuilt. */
const generatorVersion = 3;

export interface DataSpec {
  /** File name stem inside the data directory. */
  readonly name: string;
  readonly rows: number;
  readonly seed: number;
  /**
   * Exact total size in bytes (every row ends with '\n'). When set, rows are sized to land on it; otherwise
   * row sizes follow a log-normal distribution around {@link medianRowBytes}.
   */
  readonly totalBytes?: number;
  readonly medianRowBytes?: number;
  /** Put a handful of deliberately broken rows in the file. */
  readonly withErrors?: boolean;
}

export interface DataFile {
  readonly spec: DataSpec;
  readonly path: string;
  readonly bytes: number;
  /** Lines in the file (rows, plus the blank line of the broken variant). */
  readonly lines: number;
  /** Rows that were broken on purpose (0 for the main files). */
  readonly brokenRows: number;
  readonly generatedNow: boolean;
  readonly generationMs: number;
}

interface Meta {
  readonly version: number;
  readonly spec: DataSpec;
  readonly bytes: number;
  readonly lines: number;
  readonly brokenRows: number;
}

/** Returns the file for `spec`, generating it unless a cached copy with the same spec and size exists. */
export function ensureDataFile(dir: string, spec: DataSpec, regenerate = false, log: (text: string) => void = () => {}): DataFile {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${spec.name}.jsonl`);
  const metaPath = join(dir, `${spec.name}.meta.json`);
  if (!regenerate && existsSync(path) && existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
      if (meta.version === generatorVersion && JSON.stringify(meta.spec) === JSON.stringify(spec) && statSync(path).size === meta.bytes) {
        return { spec, path, bytes: meta.bytes, lines: meta.lines, brokenRows: meta.brokenRows, generatedNow: false, generationMs: 0 };
      }
    } catch {
      // Unreadable metadata: regenerate.
    }
  }
  // Leftovers of an interrupted generation.
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${spec.name}.jsonl.tmp-`)) {
      rmSync(join(dir, name), { force: true });
    }
  }
  log(`generating ${path} (${spec.rows.toLocaleString('en-US')} rows)...`);
  const started = performance.now();
  const temp = `${path}.tmp-${process.pid}`;
  const { bytes, lines, brokenRows } = writeRows(temp, spec);
  renameSync(temp, path);
  const meta: Meta = { version: generatorVersion, spec, bytes, lines, brokenRows };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  const generationMs = performance.now() - started;
  log(`  ${formatMiB(bytes)} in ${(generationMs / 1000).toFixed(1)} s`);
  return { spec, path, bytes, lines, brokenRows, generatedNow: true, generationMs };
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

// --- text -------------------------------------------------------------------------------------------

const english = [
  'Summarize the following customer review in two sentences, keeping the tone neutral.',
  'Classify the support ticket below as billing, shipping, technical or other.',
  'Extract every product name and price mentioned in the text and return them as a JSON list.',
  'The package arrived two days late and the box was damaged, but the headphones work fine.',
  'Please rewrite this paragraph for a ten-year-old reader without losing the key facts.',
  'Our quarterly revenue grew by 12% while operating costs stayed roughly flat.',
  'I have been waiting for a refund since last month and nobody answers my emails.',
  'List three risks of deploying the model without a human review step.',
  'The meeting is moved to Thursday at 3 pm; bring the updated slides and the budget sheet.',
  'Translate the text below into plain English, keeping product names unchanged.',
  'Write a short, friendly reply that apologises for the delay and offers a discount code.',
  'Answer only with "yes" or "no": does the message contain personal data?',
  'Given the log excerpt, identify the most likely root cause of the outage.',
  'The battery drains overnight even when the phone is switched to airplane mode.',
  'Compare the two contract clauses and point out any difference in liability.',
  'Tag the sentiment of each sentence as positive, negative or mixed.',
  'Draft a product description of at most 80 words for an insulated steel water bottle.',
  'The user asks how to reset a forgotten password on the mobile app.',
  'Explain the difference between a batch deployment and a standard deployment.',
  'Rate the answer from 1 to 5 for helpfulness and explain the score briefly.',
];

const accentedLatin = [
  "Résumez l'avis du client ci-dessous en français, s'il vous plaît : « très déçu, l'écran s'est fissuré après une semaine ».",
  'El envío llegó tarde y la caja estaba dañada; ¿podrían reembolsarme el coste del envío? Gracias, señor Muñoz.',
  'Die Lieferung war pünktlich, aber die Größe passt nicht. Können Sie mir bitte eine Rücksendung ermöglichen? Grüße aus München.',
  'A encomenda não chegou e o código de rastreio não funciona. Obrigado pela atenção, João.',
  'Zażółć gęślą jaźń — proszę przetłumaczyć tę wiadomość na język angielski.',
  'Příliš žluťoučký kůň úpěl ďábelské ódy; shrňte prosím stížnost zákazníka.',
  'Tôi muốn đổi trả sản phẩm vì màu sắc không giống như trong ảnh quảng cáo.',
  'Ça coûte 49,99 € — est-ce que la garantie couvre les dégâts des eaux ? Merci d’avance.',
  'Årsrapporten viser at omsætningen steg, men overskuddet faldt på grund af højere lønomkostninger.',
  'Hyvää päivää! Tilaukseni on myöhässä jo kaksi viikkoa, voisitteko tarkistaa tilanteen?',
  'İstanbul şubemizdeki müşteri şikâyetlerini özetler misiniz? Teşekkürler.',
  'Crème brûlée, jalapeño, façade, naïve, coöperate, smörgåsbord — normalise these words to ASCII.',
];

const otherScripts = [
  'Пожалуйста, кратко изложите жалобу клиента и предложите вежливый ответ.',
  'Η παραγγελία μου έφτασε σπασμένη· θα ήθελα αντικατάσταση το συντομότερο δυνατό.',
  'يرجى تلخيص رسالة العميل التالية وتحديد ما إذا كانت تتطلب ردًا عاجلاً.',
  'कृपया नीचे दिए गए ग्राहक संदेश का सारांश हिंदी में लिखें।',
  'אנא סכמו את התלונה של הלקוח והציעו פתרון מתאים.',
  'กรุณาสรุปความคิดเห็นของลูกค้าด้านล่างเป็นภาษาไทย',
];

const cjk = [
  '请将以下客户评论总结为两句话，并判断其情感倾向。',
  '这款耳机的音质很好，但是电池续航时间比宣传的短很多。',
  '订单号为 20240517 的包裹至今仍未送达，请帮我查询物流状态。',
  '以下の問い合わせ内容を要約し、担当部署を判定してください。',
  '商品は予定より二日遅れて届きましたが、品質には満足しています。',
  'パスワードを忘れてしまいました。アプリでリセットする方法を教えてください。',
  '다음 고객 리뷰를 한국어로 요약하고 감정을 분류해 주세요.',
  '배송이 너무 늦었고 포장 상자가 찢어져 있었습니다.',
  '會議改到星期四下午三點，請準備最新的預算表。',
  '「品質」と「価格」のどちらが重要か、理由とともに答えてください。',
];

const emoji = [
  '😀', '🙏', '🚀', '🔥', '✅', '❌', '⚠️', '📦', '💡', '🎉', '😡', '🤔', '👍🏽', '👩‍💻', '👨‍👩‍👧‍👦', '🏳️‍🌈',
  '🇯🇵', '🇫🇷', '🇧🇷', '🧪', '🦄', '☕', '🍣', '🌧️', '❤️', '😂', '🤖', '🧑🏿‍🚀',
];

// Text that JSON must escape: quotes, backslashes, newlines, tabs, and a control character.
const escapy = [
  'He wrote: "the product is \\"fine\\" but overpriced" and left.',
  'Logs:\n2024-05-17T10:15:02Z ERROR connection reset\n2024-05-17T10:15:03Z WARN retrying (attempt 2)\n',
  'Path on the server: C:\\Users\\svc-batch\\data\\input.jsonl',
  'Column A\tColumn B\tColumn C\n1\t2\t3\n4\t5\t6',
  'Respond as JSON: {"label": "billing", "confidence": 0.93}',
  '```python\nprint("hello, world")\nfor i in range(3):\n    print(i)\n```',
  'Subject: "Re: Re: refund"\r\n\r\nHi team,\r\nstill no update.\r\n',
  'Bell character here -> \u0007 <- and a form feed \f in legacy data.',
  'Regex to check: ^[A-Z]{2}-\\d{4}$ and the string "AB-1234".',
];

const firstNames = ['Ana', 'Björn', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Günther', 'Hiroshi', 'Ines', 'José', 'Kenji', 'Léa', 'Mei', 'Nuño', 'Olga', 'Priya', 'Søren', 'Zoë'];

const systemPrompts = [
  'You are a helpful assistant.',
  'You are a customer support assistant for an online electronics store. Be concise, polite and accurate. Never invent order details.',
  'You are a multilingual classifier. Reply with a single label from this list: billing, shipping, technical, other. Do not explain your answer.',
  'Tu es un assistant qui résume des avis clients en français. Réponds en deux phrases au maximum.',
  'あなたは丁寧なカスタマーサポート担当者です。回答は日本語で、三文以内にしてください。',
  'You extract structured data. Return only valid JSON matching this schema: {"items": [{"name": string, "price": number}]}. Use null when a price is missing.',
  'You are a careful translator. Translate the user text into English, keep names and numbers unchanged, and preserve line breaks.\nIf the text is already English, return it unchanged.',
  'Eres un asistente que clasifica correos electrónicos por urgencia: alta, media o baja. Responde solo con la etiqueta.',
  'You grade answers for helpfulness on a 1–5 scale. Output the score, a tab character, then one sentence of justification.',
  '你是一名专业的客服助理。请用简体中文回答，并保持礼貌。',
];

interface Fragment {
  readonly text: string;
  /** UTF-8 bytes the text takes inside a JSON string (escapes included). */
  readonly bytes: number;
}

function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** A pool of sentence-sized fragments in different languages, built once per file. */
function buildFragments(rng: Prng): Fragment[] {
  const pools = [english, english, english, accentedLatin, accentedLatin, otherScripts, cjk, cjk, escapy];
  const fragments: Fragment[] = [];
  for (let i = 0; i < 4000; i++) {
    let text = rng.pick(rng.pick(pools));
    if (rng.chance(0.35)) {
      text = `${rng.pick(firstNames)} (#${rng.int(1000, 999999)}): ${text}`;
    }
    if (rng.chance(0.3)) {
      text += ` ${rng.pick(emoji)}`;
      if (rng.chance(0.3)) {
        text += rng.pick(emoji);
      }
    }
    text += rng.chance(0.15) ? '\n\n' : ' ';
    fragments.push({ text, bytes: escapedBytes(text) });
  }
  return fragments;
}

const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ';

/** Text whose JSON-escaped UTF-8 form takes exactly `budget` bytes. */
function contentOfBytes(rng: Prng, fragments: readonly Fragment[], budget: number): string {
  const parts: string[] = [];
  let used = 0;
  // Give up on fitting another fragment after a few misses, then pad with ASCII to the exact size.
  for (let misses = 0; misses < 4; ) {
    const fragment = rng.pick(fragments);
    if (used + fragment.bytes <= budget) {
      parts.push(fragment.text);
      used += fragment.bytes;
    } else {
      misses++;
    }
  }
  let rest = budget - used;
  while (rest > 0) {
    const piece = filler.slice(0, Math.min(rest, filler.length));
    parts.push(piece);
    rest -= piece.length;
  }
  return parts.join('');
}

const maxTokens = [256, 400, 512, 800, 1000, 1024, 2048, 4096];

interface Row {
  custom_id: string;
  method: string;
  url: string;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    max_tokens: number;
    temperature?: number;
  };
}

function baseRow(rng: Prng, index: number): Row {
  const body: Row['body'] = {
    model: 'gpt-4o-batch',
    messages: [
      { role: 'system', content: rng.pick(systemPrompts) },
      { role: 'user', content: '' },
    ],
    max_tokens: rng.pick(maxTokens),
  };
  if (rng.chance(0.3)) {
    body.temperature = rng.int(0, 10) / 10;
  }
  return { custom_id: `task-${index}`, method: 'POST', url: '/chat/completions', body };
}

/** One row serialised to exactly `targetBytes` UTF-8 bytes (without its line break) when the target allows. */
function rowOfBytes(rng: Prng, fragments: readonly Fragment[], index: number, targetBytes: number): string {
  const row = baseRow(rng, index);
  const skeleton = Buffer.byteLength(JSON.stringify(row), 'utf8');
  row.body.messages[1]!.content = contentOfBytes(rng, fragments, Math.max(16, targetBytes - skeleton));
  return JSON.stringify(row);
}

/** Broken rows of the error variant, keyed by row index; each yields one or two diagnostics. */
const breakers: ReadonlyMap<number, (row: Row, text: string) => string> = new Map([
  [100, (_row: Row, text: string) => text.slice(0, Math.floor(text.length / 2))], // truncated JSON
  [200, (row: Row) => JSON.stringify({ ...row, custom_id: 'task-10' })], // duplicate custom_id
  [300, (row: Row) => JSON.stringify({ ...row, body: { ...row.body, model: '<your-deployment-name>' } })], // placeholder model
  [400, (row: Row) => JSON.stringify({ ...row, url: '/v1/completions' })], // not a batch endpoint
  [500, (row: Row) => JSON.stringify({ ...row, method: 'GET' })],
  [700, (_row: Row, text: string) => text.replace('}],"max_tokens"', '},],"max_tokens"')], // trailing comma
  [800, (row: Row) => JSON.stringify({ ...row, metadata: { team: 'ops' } })], // unknown field (warning)
  [900, (row: Row) => JSON.stringify({ ...row, body: { ...row.body, model: 'gpt-4o-mini-batch' } })], // deployment mismatch
  [1000, (row: Row) => JSON.stringify({ ...row, body: { ...row.body, messages: [{ role: 'bot', content: 'hi' }] } })], // bad role
  [1100, (row: Row) => JSON.stringify({ ...row, body: { ...row.body, stream: true } })], // streaming
  [1200, (_row: Row, text: string) => text.replace(/"/g, "'")], // single quotes
]);
/** The broken variant also gets a blank line before this row. */
const blankBefore = 600;

function writeRows(path: string, spec: DataSpec): { bytes: number; lines: number; brokenRows: number } {
  const rng = new Prng(spec.seed);
  const fragments = buildFragments(rng);
  const fd = openSync(path, 'w');
  let bytes = 0;
  let lines = 0;
  let brokenRows = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length > 0) {
      writeSync(fd, batch.join(''));
      batch = [];
      batchBytes = 0;
    }
  };
  try {
    for (let i = 0; i < spec.rows; i++) {
      let target: number;
      if (spec.totalBytes !== undefined) {
        // Spread what is left evenly, with jitter until the last rows, which land on the total exactly.
        const rowsLeft = spec.rows - i;
        const mean = (spec.totalBytes - bytes) / rowsLeft - 1;
        target = rowsLeft > 20 ? Math.round(mean * (0.45 + 1.1 * rng.next())) : Math.round(mean);
      } else {
        const median = spec.medianRowBytes ?? 800;
        target = Math.round(Math.min(12000, Math.max(300, median * Math.exp(0.6 * rng.normal()))));
      }
      let text = rowOfBytes(rng, fragments, i, target);
      if (spec.withErrors) {
        const breaker = breakers.get(i);
        if (breaker) {
          text = breaker(JSON.parse(text) as Row, text);
          brokenRows++;
        }
        if (i === blankBefore) {
          batch.push('\n');
          bytes += 1;
          lines++;
          brokenRows++;
        }
      }
      const line = text + '\n';
      const size = Buffer.byteLength(line, 'utf8');
      batch.push(line);
      bytes += size;
      batchBytes += size;
      lines++;
      if (batchBytes >= 8 * 1024 * 1024) {
        flush();
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { bytes, lines, brokenRows };
}
