// Chinese names for the API's codes. A code the console does not know yet is shown as
// it is, never hidden.

const ITEMS: Record<string, string> = {
  birth_certificate: '出生医学证明',
  vaccination_certificate: '预防接种证',
  hukou_registration: '出生登记（户口）',
  medical_insurance_enrollment: '城乡居民医保参保',
  social_security_card: '社会保障卡',
  maternity_expense_reimbursement: '生育医疗费用报销',
  parenting_guidance_registration: '科学育儿指导登记',
  outpatient_record_booklet: '门急诊就医记录册',
  medical_insurance_payment: '医保缴费及激活',
  maternity_medical_certificate: '生育医学证明',
  family_planning_review: '计划生育情况审核',
  maternity_insurance_benefit: '生育保险待遇',
};

const DEPARTMENTS: Record<string, string> = {
  hospital: '医院',
  police: '公安',
  hrss: '人社',
  medical_insurance: '医保',
  health: '卫健',
};

const ITEM_STATUSES: Record<string, string> = {
  pending: '等待前置事项',
  in_review: '审核中',
  awaiting_supplement: '待补正',
  awaiting_applicant: '待申请人办理',
  completed: '已办结',
  rejected: '已退回',
  cancelled: '已取消',
  not_applied: '未申请',
  ineligible: '不符合条件',
  needs_attention: '需人工处理',
};

const CASE_STATUSES: Record<string, string> = {
  in_progress: '办理中',
  completed: '已办结',
  partially_completed: '部分办结',
  ineligible: '不符合条件',
  withdrawn: '已撤回',
};

export const ROLES: Record<string, string> = {
  applicant: '家长（申请人）',
  case_worker: '窗口审核人员',
  supervisor: '督办人员',
  auditor: '审计人员',
  admin: '系统管理员',
};

const REGIONS: Record<string, string> = { national: '全国通用', lanzhou: '兰州', shanghai: '上海' };

const EVENTS: Record<string, string> = {
  case_submitted: '提交申请',
  eligibility_checked: '资格核验',
  item_started: '事项开始办理',
  item_cancelled: '事项取消',
  item_refused: '部门系统拒收',
  deadline_set: '设定办理期限',
  deadline_unavailable: '无法计算期限',
  sla_breached: '超期',
  escalated: '升级督办',
  item_decided: '作出决定',
  supplement_received: '收到补正材料',
  licence_issued: '颁发电子证照',
  case_withdrawn: '撤回申请',
  case_closed: '办件结束',
  record_unreadable: '记录无法读取',
  workflow_terminated: '流程被终止',
  workflow_failed: '流程失败',
  workflow_timed_out: '流程超时',
  workflow_cancelled: '流程取消',
};

const DECISIONS: Record<string, string> = { approve: '批准', reject: '退回', request_supplement: '要求补正' };

const named = (table: Record<string, string>) => (code: string | null | undefined): string => (code ? (table[code] ?? code) : '—');

/**
 * An item by its code or its key in the case: a child's item of a delivery with more
 * than one child (`birth_certificate.2`) names the child by its place (第2个孩子).
 */
export function itemName(codeOrKey: string | null | undefined): string {
  const perChild = codeOrKey ? /^([a-z_]+)\.(\d+)$/.exec(codeOrKey) : null;
  if (perChild) return `${named(ITEMS)(perChild[1])}（第${perChild[2]}个孩子）`;
  return named(ITEMS)(codeOrKey);
}

/** An item of a case view or a task: by its key where it has one. */
export const itemLabel = (item: { item?: string | null; key?: string | null } | null | undefined): string => itemName(item?.key ?? item?.item);
export const departmentName = named(DEPARTMENTS);
export const itemStatusName = named(ITEM_STATUSES);
export const caseStatusName = named(CASE_STATUSES);
export const roleName = named(ROLES);
export const regionName = named(REGIONS);
export const eventName = named(EVENTS);
export const decisionName = named(DECISIONS);

export const DEPARTMENT_CODES = Object.keys(DEPARTMENTS);

/** Element Plus tag types by item status. */
export function itemStatusTag(status: string): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  switch (status) {
    case 'completed':
      return 'success';
    case 'in_review':
      return 'primary';
    case 'awaiting_supplement':
    case 'awaiting_applicant':
    case 'needs_attention':
      return 'warning';
    case 'rejected':
    case 'ineligible':
      return 'danger';
    default:
      return 'info';
  }
}

const SECTIONS: Record<string, string> = {
  delivery: '分娩信息',
  child: '新生儿',
  children: '新生儿',
  mother: '母亲',
  father: '父亲',
  marriage: '婚姻',
  applicant: '申请人',
  birthRegistration: '出生登记',
  socialSecurityCard: '社会保障卡',
  maternityBenefit: '生育津贴',
  logistics: '邮寄',
};

const FIELDS: Record<string, string> = {
  name: '姓名',
  idNumber: '身份证号',
  phone: '手机号',
  occupation: '职业',
  hukou: '户籍',
  divisionCode: '区划代码',
  householdType: '户别',
  institutionCode: '助产机构代码',
  place: '分娩地点',
  bornAt: '出生时间',
  childSex: '性别',
  sex: '性别',
  weightGrams: '体重（克）',
  gestationWeeks: '孕周',
  status: '婚姻状况',
  certificateNumber: '结婚证号',
  relation: '与新生儿关系',
  followParent: '随父或随母落户',
  bankCode: '银行',
  deliverByPost: '邮寄',
  bankName: '开户行',
  bankAccount: '银行账号',
  method: '领取方式',
  recipient: '收件人',
  address: '地址',
  region: '地区',
  items: '事项',
};

export const sectionName = named(SECTIONS);

/** `mother.hukou.divisionCode` → 母亲 · 户籍 · 区划代码 (unknown parts as they are). */
export function fieldName(path: string): string {
  return path
    .split('.')
    .map((part, i) => (i === 0 ? (SECTIONS[part] ?? FIELDS[part] ?? part) : /^\d+$/.test(part) ? `第 ${Number(part) + 1} 项` : (FIELDS[part] ?? part)))
    .join(' · ');
}

/** Leaves of a nested object as [path, value] rows, for showing granted data. */
export function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [[prefix, '—']];
  if (Array.isArray(value)) return value.flatMap((v, i) => flatten(v, prefix ? `${prefix}.${i}` : String(i)));
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  if (typeof value === 'boolean') return [[prefix, value ? '是' : '否']];
  return [[prefix, String(value)]];
}
