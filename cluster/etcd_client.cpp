#include "cluster/etcd_client.hpp"
