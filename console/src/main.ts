import ElementPlus from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import 'element-plus/dist/index.css';
import { createApp } from 'vue';
import App from './App.vue';
import { showError, whenUnauthenticated } from './api';
import { router } from './router';
import './theme.css';

const app = createApp(App);
app.use(ElementPlus, { locale: zhCn });
app.use(router);
// Never a blank page: whatever a page fails to handle is said to the person.
app.config.errorHandler = (err) => void showError(err);
window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  showError(event.reason);
});
whenUnauthenticated((message) => void router.push({ path: '/signin', query: { reason: message } }));
app.mount('#app');
