// What the profile showed and what each fix bought: measured by hand (commands in each line) on
// this machine while the benchmark was built; the table above is the run that wrote this file.
export const ENGINE_FINDINGS: string[] = [
  '### What each fix bought, and what holds the missed targets back',
  '',
  'TODO',
];
