/**
 * The part of ml-cart (no bundled types) that src/regime/tree.ts uses. `toJSON().root` is a plain
 * tree: an inner node has splitColumn/splitValue/left/right (rows with value < splitValue go
 * left); a leaf has `distribution`, the class shares of its training rows.
 */
declare module "ml-cart" {
  export interface CartOptions {
    gainFunction?: "gini";
    splitFunction?: "mean";
    minNumSamples?: number;
    maxDepth?: number;
    gainThreshold?: number;
  }

  export interface CartNodeJson {
    splitColumn?: number;
    splitValue?: number;
    gain?: number;
    left?: CartNodeJson;
    right?: CartNodeJson;
    distribution?: unknown;
  }

  export class DecisionTreeClassifier {
    constructor(options?: CartOptions);
    train(trainingSet: number[][], trainingLabels: number[]): void;
    predict(toPredict: number[][]): number[];
    toJSON(): { options: CartOptions; root: CartNodeJson; name: string };
  }
}
