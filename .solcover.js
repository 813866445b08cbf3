// solidity-coverage settings for `npm run coverage`.
module.exports = {
  // Test-only harness contracts are not part of the product's coverage figures.
  skipFiles: ["test", "bridge/test"],
};
