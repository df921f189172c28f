// The manager console's form fields in Chinese: a value the server refuses (422
// invalid_request, whose English message names the field, "to: must not be before from")
// is said to the manager in Chinese, naming the field as the form does.

// The body and query fields of the requests the manager's forms send, by their API names.
const FIELD_NAMES = {
  // 登录
  username: "用户名",
  password: "密码",
  // 窗口调度
  kind: "类型",
  window: "窗口",
  service: "业务",
  ticket: "号",
  open: "开窗/关窗",
  pinned: "置顶",
  services: "主办业务",
  overflow: "空闲时兼办",
  daily_quota: "每日限号",
  session_quota: "每场限号",
  paused: "暂停取号",
  reason: "暂停原因",
  // 告警与工单
  note: "处理说明",
  state: "显示",
  // 统计报表
  period: "周期",
  date: "日期",
  by: "分组",
  month: "月份",
  // 排班测算 and 审计日志
  from: "开始日期",
  to: "结束日期",
  profile: "典型负荷",
  target_minutes: "目标等候（分钟）",
  target_share: "等候不超过目标的比例",
  replications: "模拟天数",
  seed: "随机种子",
  max_simulations: "模拟次数上限",
  compare: "另一份大厅配置",
  log: "日志",
  actor: "操作人",
  limit: "每页条数",
  after_seq: "起始序号",
  body: "提交的内容",
};

// The form asks for the share in per cent; the server speaks of it as a fraction.
const PER_CENT = new Set(["target_share"]);

function bound(field, value) {
  return PER_CENT.has(field) ? `${Number((Number(value) * 100).toFixed(1))}%` : value;
}

// What the server says is wrong, by its English words, said in Chinese: `name` is the field's
// Chinese name, `field` its API name, then the pattern's groups. With `detail`, the server's
// words are shown too, in small print.
const SAYINGS = [
  [/^is required\b/, (name) => `请填写${name}`],
  [/^must be from (\S+) to (\S+)$/, (name, field, low, high) => `${name}须在 ${bound(field, low)} 到 ${bound(field, high)} 之间`],
  [/^must be a whole number/, (name) => `${name}须为整数`],
  [/^must be a number$/, (name) => `${name}须为数字`],
  [/^must be (\d+) to (\d+) characters long$/, (name, field, low, high) => `${name}须为 ${low} 到 ${high} 个字符`],
  [/^longer than (\d+) characters$/, (name, field, most) => `${name}不能超过 ${most} 个字符`],
  [/^too long$/, (name) => `${name}太长`],
  [/^must be a date, YYYY-MM-DD$/, (name) => `${name}须写作 年-月-日`],
  [/^must be a month, YYYY-MM$/, (name) => `${name}须写作 年-月`],
  [/^must be in the years (\d+) to (\d+)$/, (name, field, first, last) => `${name}须在 ${first} 年到 ${last} 年之间`],
  [/^must not be before (\w+)$/, (name, field, other) => `${name}不能早于${FIELD_NAMES[other] ?? other}`],
  [/^at most (\d+) days (?:at once|after from)$/, (name, field, days) => `开始日期到${name}最多 ${days} 天`],
  [/^give a profile, or from and to\b/, () => "请选择典型负荷，或填写本大厅历史的开始日期和结束日期"],
  [/^give a profile or from\/to\b/, () => "典型负荷和本大厅历史只能选一种"],
  [/^(?:must be one of |must be \w+(?:, \w+)* or \w+$)/, (name) => `${name}须从列表中选择`],
  [/^has the wrong format$/, (name) => `${name}的格式不对`],
  [/^must not contain NUL characters$|^must be Unicode text\b/, (name) => `${name}含有不能使用的字符`],
  [/^must be a hall config \(TOML text, 1 to (\d+) characters\)/, (name, field, most) => `${name}须为大厅配置文件（TOML），不超过 ${most} 个字符`],
  // What is wrong with the file is for whoever mends it: the server's words stay below.
  [/^not a usable hall config\b/, (name) => `${name}无法使用，请检查该文件`, { detail: true }],
  [/^larger than (\d+) bytes$/, (name, field, bytes) => `${name}太大，不能超过 ${Math.floor(bytes / 1024)} KB`],
];

/**
 * A value the server refused (`error`, an ApiError of 422 invalid_request), said in Chinese:
 * `{text, detail}`, `detail` being the server's own words for the small print, or "". Words
 * not known here are said as a sentence naming the field, with the server's words below.
 * Null for any other failure.
 */
export function fieldRefusal(error) {
  if (error?.status !== 422 || error.code !== "invalid_request" || !error.said) return null;
  const split = /^([^:]+): (.*)$/s.exec(error.said);
  const field = split?.[1].replace(/\[\d+\]$/, "") ?? "";
  const words = split?.[2] ?? error.said;
  const name = FIELD_NAMES[field];
  if (name) {
    for (const [pattern, say, { detail = false } = {}] of SAYINGS) {
      const found = pattern.exec(words);
      if (found) return { text: say(name, field, ...found.slice(1)), detail: detail ? error.said : "" };
    }
  }
  return { text: `${name ?? "提交的内容"}不符合要求，请检查后重试`, detail: error.said };
}
