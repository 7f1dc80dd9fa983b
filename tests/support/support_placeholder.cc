// Placeholder translation unit; replaced by shared test support sources.
namespace nca::testing {}
