/** method.md §1: trainable parameter counts of the reference implementations, for 100 and 10 classes. */
export const referenceParameterCounts: readonly (readonly [
  name: string,
  classes100: number,
  classes10: number,
])[] = [
  ['resnet8', 83_892, 78_042],
  ['resnet20', 278_324, 272_474],
  ['resnet32', 472_756, 466_906],
  ['resnet56', 861_620, 855_770],
  ['resnet110', 1_736_564, 1_730_714],
  ['resnet8x4', 1_233_540, 1_210_410],
  ['resnet32x4', 7_433_860, 7_410_730],
  ['wrn-16-1', 180_916, 175_066],
  ['wrn-16-2', 703_284, 691_674],
  ['wrn-28-2', 1_479_220, 1_467_610],
  ['wrn-40-1', 569_780, 563_930],
  ['wrn-40-2', 2_255_156, 2_243_546],
];
