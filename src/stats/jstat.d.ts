// jstat ships no type declarations; these cover only the two functions sizewise calls.
declare module "jstat" {
  interface NormalDistribution {
    cdf(x: number, mean: number, std: number): number;
    inv(p: number, mean: number, std: number): number;
  }
  const jStat: { readonly normal: NormalDistribution };
  export default jStat;
}
