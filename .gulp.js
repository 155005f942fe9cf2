// gulp-cli's configuration (read by `gulp`, i.e. `npm run build`). Its own clock prints
// toLocaleTimeString('en', { hour12: false }), which Node's ICU renders on the 1–24 hour cycle:
// [24:13:05] for 13 minutes past midnight. This one prints 00–23.
'use strict';
const pad = (n) => String(n).padStart(2, '0');

module.exports = {
	timestamp() {
		const now = new Date();
		return `[${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}]`;
	},
};
