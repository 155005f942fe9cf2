/**
 * Runs `task(0) … task(count - 1)` with at most `limit` of them in flight, and returns their
 * results in index order. After a task fails no new task starts; the ones in flight finish, and
 * the failure of the lowest index is thrown (the same one a one-at-a-time run would report).
 */
export async function mapConcurrent<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
	const results = new Array<T>(count);
	let next = 0;
	const failed: { first?: { index: number; error: unknown } } = {};

	const worker = async (): Promise<void> => {
		while (failed.first === undefined && next < count) {
			const index = next++;
			try {
				results[index] = await task(index);
			} catch (error) {
				// Another task may have failed while this one was awaited.
				const prior = failed.first as { index: number } | undefined;
				if (prior === undefined || index < prior.index) failed.first = { index, error };
			}
		}
	};

	const workers: Array<Promise<void>> = [];
	for (let i = 0; i < Math.max(1, Math.min(limit, count)); i++) workers.push(worker());
	await Promise.all(workers);
	if (failed.first !== undefined) return await Promise.reject(failed.first.error);
	return results;
}
