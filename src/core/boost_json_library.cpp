// Boost.JSON compiled into portico_core, header-only style (Debian 12 ships libboost-json
// separately from the Boost packages we install). The one translation unit that may
// include <boost/json/src.hpp>: the access log's JSON format and the tests' JSON parsing
// both link against these symbols.
#include <boost/json/src.hpp>
