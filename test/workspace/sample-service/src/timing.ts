/** Simulated work of a realistic, skewed duration: mostly quick, sometimes slow. */
export async function work(typicalMs: number, tailMs = typicalMs * 4, tailChance = 0.1): Promise<void> {
  const ms = Math.random() < tailChance ? tailMs * (0.5 + Math.random()) : typicalMs * (0.5 + Math.random());
  await new Promise((resolve) => setTimeout(resolve, ms));
}
