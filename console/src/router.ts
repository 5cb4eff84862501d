import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { restoreSession, session, type Claims } from './session';

const HOME: Record<Claims['role'], string> = {
  case_worker: '/inbox',
  supervisor: '/supervisor',
  auditor: '/audit',
  applicant: '/parent',
  admin: '/admin',
};

export function homeOf(claims: Claims | null): string {
  return claims ? HOME[claims.role] : '/signin';
}

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: () => homeOf(session.claims) },
  { path: '/signin', component: () => import('./pages/SignIn.vue'), meta: { public: true, title: '登录' } },
  { path: '/inbox', component: () => import('./pages/Inbox.vue'), meta: { roles: ['case_worker'], title: '待办事项' } },
  { path: '/inbox/:caseId/:itemKey', component: () => import('./pages/ItemView.vue'), meta: { roles: ['case_worker'], title: '事项审核' } },
  { path: '/supervisor', component: () => import('./pages/Supervisor.vue'), meta: { roles: ['supervisor'], title: '督办' } },
  { path: '/cases/:caseId', component: () => import('./pages/CaseDetail.vue'), meta: { roles: ['supervisor', 'auditor'], title: '办件详情' } },
  { path: '/audit', component: () => import('./pages/Audit.vue'), meta: { roles: ['auditor'], title: '审计' } },
  { path: '/parent', component: () => import('./pages/Parent.vue'), meta: { roles: ['applicant'], title: '新生儿出生一件事' } },
  { path: '/parent/cases/:caseId', component: () => import('./pages/ParentCase.vue'), meta: { roles: ['applicant'], title: '办理进度' } },
  { path: '/admin', component: () => import('./pages/Admin.vue'), meta: { roles: ['admin'], title: '工作日历' } },
  { path: '/:rest(.*)*', redirect: () => homeOf(session.claims) },
];

export const router = createRouter({ history: createWebHistory('/console/'), routes });

let restored = false;
router.beforeEach((to) => {
  if (!restored) {
    restored = true;
    if (!restoreSession()) return { path: '/signin', query: { reason: '链接中的令牌无效或已过期' } };
    // Signed in by a link: straight to the role's own page (a case worker to the inbox).
    if (session.claims && (to.path === '/' || to.path === '/signin')) return homeOf(session.claims);
  }
  if (to.meta.public) return true;
  if (!session.claims) return { path: '/signin', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  const roles = to.meta.roles as string[] | undefined;
  if (roles && !roles.includes(session.claims.role)) return homeOf(session.claims);
  return true;
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) ?? '工作台'} · 新生儿出生一件事`;
});
