// Placeholder translation unit; replaced by the simulator sources.
namespace nca::sim {}
